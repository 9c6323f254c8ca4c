/**
 * The client side of PostgreSQL's authentication: which requests the settings allow ({@code require_auth},
 * channel binding), and the answers to cleartext, MD5 and SCRAM-SHA-256 (with channel binding,
 * SCRAM-SHA-256-PLUS) requests, the SCRAM key derived on a thread of its own. No socket I/O: the session's
 * {@code StartupHandler} exchanges the messages.
 *
 * <p>May import the JDK (its message digests, MACs and certificates), the API's {@code ChannelBinding} and
 * exceptions, and Netty's thread factory; nothing else of pgrepl.
 */
package io.github.pgrepl.internal.auth;
