package io.github.pgrepl.internal.auth;

import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.ReplicationException;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.text.Normalizer;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, with optional
 * {@code tls-server-end-point} channel binding (SCRAM-SHA-256-PLUS). The user name travels in the
 * startup message, so the SCRAM one is left empty, as libpq does. One instance per authentication.
 *
 * <p>The key derivation (PBKDF2 with the server's iteration count) is the costly step: it runs on a
 * thread of its own ({@link #clientFinalMessage}), never on a connection's event loop, and stops when the
 * attempt is given up. The iteration count is bounded by {@link #MAX_ITERATIONS}, so a hostile server cannot
 * make the client burn CPU for minutes.
 */
public final class ScramSha256Client {

    public static final String MECHANISM = "SCRAM-SHA-256";
    public static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
    /**
     * The most iterations accepted from a server: 256 times PostgreSQL's default (4096), above the 600,000 that
     * OWASP recommends for PBKDF2-HMAC-SHA256, and about a second of one core.
     */
    public static final int MAX_ITERATIONS = 1 << 20;
    /** Iterations between two looks at whether the attempt was given up. */
    private static final int CANCEL_CHECK_INTERVAL = 1024;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Executor DERIVATIONS = derivationExecutor();

    private enum State { INITIAL, FIRST_SENT, DERIVING, FINAL_SENT, FINISHED }

    private final byte[] password;
    private final String gs2Header;
    private final byte[] channelBindingData;
    private final String clientNonce;
    private String clientFirstBare;
    private volatile byte[] expectedServerSignature;
    private volatile State state = State.INITIAL;

    /**
     * @param password the password (normalized here)
     * @param serverCertificate the TLS peer certificate when binding (PLUS), else {@code null}
     * @param tlsWithoutBinding true when TLS is on but the client does not bind ({@code y} flag)
     */
    public ScramSha256Client(String password, X509Certificate serverCertificate, boolean tlsWithoutBinding) {
        this.password = normalize(password).getBytes(StandardCharsets.UTF_8);
        if (serverCertificate != null) {
            this.gs2Header = "p=tls-server-end-point,,";
            this.channelBindingData = certificateHash(serverCertificate);
        } else {
            this.gs2Header = tlsWithoutBinding ? "y,," : "n,,";
            this.channelBindingData = new byte[0];
        }
        byte[] nonce = new byte[18];
        RANDOM.nextBytes(nonce);
        this.clientNonce = Base64.getEncoder().encodeToString(nonce);
    }

    public byte[] clientFirstMessage() {
        clientFirstBare = "n=,r=" + clientNonce;
        state = State.FIRST_SENT;
        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Answers the server-first-message with the client-final-message. The message is checked at once (nonce,
     * salt, iteration count; a bad one throws here); the key is derived on a thread of its own, which gives up
     * as soon as {@code cancelled} says so.
     *
     * @throws ReplicationException for a malformed server-first-message or an iteration count above the bound
     */
    public CompletableFuture<byte[]> clientFinalMessage(byte[] serverFirstBytes, BooleanSupplier cancelled) {
        if (state != State.FIRST_SENT) {
            throw new ReplicationException("Protocol error: the server sent a second SCRAM server-first-message");
        }
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        if (serverFirst.startsWith("m=")) {
            throw new NonTransientReplicationException("SCRAM: the server asks for an extension (m=) that neither PostgreSQL nor pgrepl"
                    + " defines; refusing");
        }
        String nonce = attribute(serverFirst, 'r');
        byte[] salt = base64(attribute(serverFirst, 's'), "salt");
        int iterations = iterations(attribute(serverFirst, 'i'));
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new NonTransientReplicationException("SCRAM: the server's nonce does not extend the client's; authentication aborted");
        }
        state = State.DERIVING;
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        byte[] binding = new byte[header.length + channelBindingData.length];
        System.arraycopy(header, 0, binding, 0, header.length);
        System.arraycopy(channelBindingData, 0, binding, header.length, channelBindingData.length);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(binding) + ",r=" + nonce;
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        return CompletableFuture.supplyAsync(() -> {
            byte[] saltedPassword = hi(password, salt, iterations, cancelled);
            byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
            byte[] storedKey = sha256(clientKey);
            byte[] clientSignature = hmac(storedKey, authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
            }
            byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
            expectedServerSignature = hmac(serverKey, authMessage);
            state = State.FINAL_SENT;
            return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
        }, DERIVATIONS);
    }

    private static int iterations(String text) {
        int iterations;
        try {
            iterations = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ReplicationException("SCRAM: the server sent an iteration count that is not a number (" + abbreviate(text)
                    + "); authentication aborted");
        }
        if (iterations < 1) {
            throw new ReplicationException("SCRAM: the server sent an invalid iteration count " + iterations);
        }
        if (iterations > MAX_ITERATIONS) {
            throw new NonTransientReplicationException("SCRAM: the server asks for iteration count " + iterations + ", above pgrepl's bound of "
                    + MAX_ITERATIONS + " (PostgreSQL's default is 4096). A hostile server could pin the client's CPU this"
                    + " way; if the count is yours, lower scram_iterations in postgresql.conf and set the role's password again");
        }
        return iterations;
    }

    /** Whether the exchange completed: the server proved that it knows the password. */
    public boolean finished() {
        return state == State.FINISHED;
    }

    /** Whether the exchange completed with channel binding (SCRAM-SHA-256-PLUS). */
    public boolean channelBound() {
        return finished() && gs2Header.startsWith("p=");
    }

    /** Checks the server-final-message: the server must prove it knows the password too. */
    public void verifyServerFinal(byte[] serverFinalBytes) {
        if (state != State.FINAL_SENT) {
            throw new ReplicationException("Protocol error: the server sent its SCRAM server-final-message before the client's"
                    + " final message; authentication aborted");
        }
        String serverFinal = new String(serverFinalBytes, StandardCharsets.UTF_8);
        if (serverFinal.startsWith("e=")) {
            throw new NonTransientReplicationException("SCRAM: the server rejected the authentication: " + abbreviate(serverFinal.substring(2)));
        }
        byte[] signature = base64(attribute(serverFinal, 'v'), "server signature");
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new NonTransientReplicationException("SCRAM: the server's signature is wrong; it may not be the server you meant");
        }
        state = State.FINISHED;
    }

    private static byte[] base64(String text, String what) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new ReplicationException("SCRAM: the server's " + what + " is not valid base64; authentication aborted");
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 61) + "...";
    }

    private static String attribute(String message, char name) {
        for (String part : message.split(",")) {
            if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') {
                return part.substring(2);
            }
        }
        throw new ReplicationException("SCRAM: the server message lacks the '" + name + "' attribute; authentication aborted");
    }

    /** SASLprep, approximated by NFKC: PostgreSQL falls back to the raw bytes where SASLprep fails anyway. */
    private static String normalize(String password) {
        for (int i = 0; i < password.length(); i++) {
            if (password.charAt(i) > 127) {
                return Normalizer.normalize(password, Normalizer.Form.NFKC);
            }
        }
        return password;
    }

    /** RFC 5929 tls-server-end-point: the certificate hashed with its signature's hash, SHA-256 at least. */
    private static byte[] certificateHash(X509Certificate certificate) {
        String signature = certificate.getSigAlgName().toUpperCase(Locale.ROOT);
        String digest;
        if (signature.startsWith("SHA384")) {
            digest = "SHA-384";
        } else if (signature.startsWith("SHA512")) {
            digest = "SHA-512";
        } else if (signature.startsWith("SHA256") || signature.startsWith("SHA1") || signature.startsWith("MD5")) {
            digest = "SHA-256";
        } else {
            throw new ReplicationException("SCRAM channel binding: no hash is defined for certificates signed with "
                    + certificate.getSigAlgName() + "; set channel binding to disable");
        }
        try {
            return MessageDigest.getInstance(digest).digest(certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new ReplicationException("SCRAM channel binding: cannot hash the server certificate", e);
        }
    }

    /** PBKDF2-HMAC-SHA256 with one block; stops with a CancellationException once {@code cancelled} says so. */
    private static byte[] hi(byte[] password, byte[] salt, int iterations, BooleanSupplier cancelled) {
        Mac mac = mac(password);
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            if (i % CANCEL_CHECK_INTERVAL == 0 && cancelled.getAsBoolean()) {
                throw new CancellationException("SCRAM key derivation given up");
            }
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    /** Daemon threads, as many as cores, idle ones ending after 30 s: derivations are short and rare. */
    private static Executor derivationExecutor() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("pgrepl-scram", true));
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        return mac(key).doFinal(data);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM has no HmacSHA256, needed for SCRAM-SHA-256", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM has no SHA-256, needed for SCRAM-SHA-256", e);
        }
    }
}
