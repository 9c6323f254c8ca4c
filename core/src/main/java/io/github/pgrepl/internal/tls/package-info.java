/**
 * TLS for a session: Netty's {@code SslContext} built for an {@code sslmode} with libpq's meanings (which
 * certificates to trust, whether the host name is checked, the client certificate).
 *
 * <p>May import Netty's SSL support and the API's configuration and exceptions.
 */
package io.github.pgrepl.internal.tls;
