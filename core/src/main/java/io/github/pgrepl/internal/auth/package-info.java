/**
 * The client side of PostgreSQL's password authentications: MD5 and SCRAM-SHA-256 (with channel binding,
 * SCRAM-SHA-256-PLUS), computed from the password and the server's challenges. No I/O: the startup exchanges
 * the messages.
 *
 * <p>May import the JDK (its message digests, MACs and certificates) and the API's exceptions; nothing of Netty.
 */
package io.github.pgrepl.internal.auth;
