package io.github.pgrepl.internal.auth;

import io.github.pgrepl.ChannelBinding;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.ReplicationException;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The client's side of one authentication exchange: which requests of the server it may answer, and the answers.
 * Every request is checked ({@link #check}) before anything is sent, with libpq's rules:
 *
 * <ul>
 *   <li>{@code require_auth}: a method not allowed is refused, and an AuthenticationOk is refused unless the client
 *       finished an exchange or the setting allows none;</li>
 *   <li>{@code channel_binding=require}: only SASL is answered, and AuthenticationOk only after a SCRAM-SHA-256-PLUS
 *       exchange in which the server proved that it knows the password;</li>
 *   <li>stricter than libpq, in every mode: an AuthenticationOk in the middle of a SCRAM exchange, or a switch to
 *       another method, is refused, since the server has not proved anything (it may be harvesting material for a
 *       brute force attack).</li>
 * </ul>
 */
public final class AuthenticationExchange {

    private final String user;
    private final String password;
    private final ChannelBinding channelBinding;
    private final RequireAuth requireAuth;
    private final boolean tls;
    private ScramSha256Client scram;
    private String method = "trust";
    private boolean clientFinished;

    /**
     * @param password the password, or {@code null}
     * @param requireAuth the allowed methods, or {@code null} for any
     * @param tls whether the connection is TLS (channel binding needs it)
     */
    public AuthenticationExchange(String user, String password, ChannelBinding channelBinding, RequireAuth requireAuth,
                                  boolean tls) {
        this.user = user;
        this.password = password;
        this.channelBinding = channelBinding;
        this.requireAuth = requireAuth;
        this.tls = tls;
    }

    /** The method used so far: trust, password, md5, SCRAM-SHA-256 or SCRAM-SHA-256-PLUS. */
    public String method() {
        return method;
    }

    /**
     * Refuses a request (its code: 0 AuthenticationOk, 3 cleartext, 5 md5, 10–12 SASL, …) that the settings do not
     * allow at this point, before anything is answered.
     */
    public void check(int code) {
        boolean sasl = code == RequireAuth.SASL || code == RequireAuth.SASL_CONTINUE || code == RequireAuth.SASL_FINAL;
        if (scram != null && !scram.finished()) {
            if (code == 0) {
                throw new NonTransientReplicationException("The server sent AuthenticationOk before the SCRAM exchange finished: it has not"
                        + " proved that it knows the password, so it may not be the server you meant; refusing");
            }
            if (!sasl || code == RequireAuth.SASL) {
                throw new NonTransientReplicationException("The server switched to another authentication request (code " + code
                        + ") in the middle of the SCRAM exchange; refusing without sending anything");
            }
        }
        if (requireAuth != null) {
            String reason = null;
            if (code == 0) {
                if (requireAuth.authRequired() && !clientFinished) {
                    reason = "server did not complete authentication";
                }
            } else if (!requireAuth.allows(code)) {
                reason = RequireAuth.describe(code);
            }
            if (reason != null) {
                throw new NonTransientReplicationException("authentication method requirement \"" + requireAuth.text() + "\" failed: "
                        + reason + "; nothing was sent. Change require_auth, or the method pg_hba.conf gives user \"" + user + "\"");
            }
        }
        if (channelBinding == ChannelBinding.REQUIRE) {
            if (code == 0 && (scram == null || !scram.channelBound())) {
                throw new NonTransientReplicationException("channel binding is required, but the server authenticated the session with "
                        + method + ", without channel binding: use scram-sha-256 in pg_hba.conf over TLS, or set channel binding"
                        + " to prefer");
            }
            if (code != 0 && !sasl) {
                throw new NonTransientReplicationException("channel binding is required, but the server asks for " + unboundMethod(code)
                        + ", which cannot bind the channel; nothing was sent. Use scram-sha-256 in pg_hba.conf over TLS, or set"
                        + " channel binding to prefer");
            }
        }
    }

    private static String unboundMethod(int code) {
        return switch (code) {
            case RequireAuth.PASSWORD -> "a cleartext password (password)";
            case RequireAuth.MD5 -> "a hashed password (md5)";
            case RequireAuth.GSS, RequireAuth.GSS_CONTINUE -> "GSSAPI";
            case RequireAuth.SSPI -> "SSPI";
            default -> "authentication of type " + code;
        };
    }

    /** The answer to a cleartext password request. */
    public String cleartextPassword() {
        method = "password";
        String answer = requirePassword("password");
        clientFinished = true;
        return answer;
    }

    /** The answer to an MD5 password request. */
    public String md5Password(byte[] salt) {
        method = "md5";
        String answer = Md5Password.response(user, requirePassword("md5"), salt);
        clientFinished = true;
        return answer;
    }

    /** The mechanism chosen from the server's list and the SCRAM client-first-message, for SASLInitialResponse. */
    public record SaslStart(String mechanism, byte[] clientFirstMessage) {
    }

    /**
     * Chooses SCRAM-SHA-256-PLUS or SCRAM-SHA-256 from what the server offers, as channel binding allows.
     *
     * @param peerCertificate the server's TLS certificate, asked for only when binding
     */
    public SaslStart startSasl(List<String> mechanisms, Supplier<X509Certificate> peerCertificate) {
        if (scram != null) {
            throw new ReplicationException("Protocol error: the server started a second SASL exchange");
        }
        if (requireAuth != null && !requireAuth.allowsScram()) {
            throw new NonTransientReplicationException("authentication method requirement \"" + requireAuth.text() + "\" failed: "
                    + RequireAuth.describe(RequireAuth.SASL) + "; nothing was sent");
        }
        String secret = requirePassword("SCRAM-SHA-256");
        boolean bind = tls && channelBinding != ChannelBinding.DISABLE && mechanisms.contains(ScramSha256Client.MECHANISM_PLUS);
        if (channelBinding == ChannelBinding.REQUIRE && !bind) {
            throw new NonTransientReplicationException("channel binding is required, but the server offers only " + mechanisms
                    + (tls ? "" : " and the connection is not TLS") + ": connect with sslmode=require or stricter, or set"
                    + " channel binding to prefer");
        }
        if (!bind && !mechanisms.contains(ScramSha256Client.MECHANISM)) {
            throw new NonTransientReplicationException("The server offers SASL mechanisms " + mechanisms + ", none of which pgrepl supports");
        }
        method = bind ? ScramSha256Client.MECHANISM_PLUS : ScramSha256Client.MECHANISM;
        scram = new ScramSha256Client(secret, bind ? peerCertificate.get() : null,
                tls && channelBinding != ChannelBinding.DISABLE);
        return new SaslStart(method, scram.clientFirstMessage());
    }

    /** The client-final-message for the server-first-message, derived off the calling thread (see ScramSha256Client). */
    public CompletableFuture<byte[]> continueSasl(byte[] serverFirstMessage, BooleanSupplier cancelled) {
        return scram().clientFinalMessage(serverFirstMessage, cancelled);
    }

    /** Checks the server-final-message: the server proves that it knows the password. */
    public void finishSasl(byte[] serverFinalMessage) {
        scram().verifyServerFinal(serverFinalMessage);
        clientFinished = true;
    }

    private ScramSha256Client scram() {
        if (scram == null) {
            throw new ReplicationException("Protocol error: a SASL message arrived before SASL authentication started");
        }
        return scram;
    }

    private String requirePassword(String requested) {
        if (password == null) {
            throw new NonTransientReplicationException("The server asks user \"" + user + "\" for a password (" + requested
                    + " authentication) but none is configured: set the password");
        }
        return password;
    }
}
