package io.github.pgrepl.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.text.Normalizer;
import java.util.Base64;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, with optional
 * {@code tls-server-end-point} channel binding (SCRAM-SHA-256-PLUS). The user name travels in the
 * startup message, so the SCRAM one is left empty, as libpq does. One instance per authentication.
 */
public final class ScramSha256Client {

    public static final String MECHANISM = "SCRAM-SHA-256";
    public static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] password;
    private final String gs2Header;
    private final byte[] channelBindingData;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

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
        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** Answers the server-first-message with the client-final-message. */
    public byte[] clientFinalMessage(byte[] serverFirstBytes) {
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        String nonce = attribute(serverFirst, 'r');
        byte[] salt = Base64.getDecoder().decode(attribute(serverFirst, 's'));
        int iterations = Integer.parseInt(attribute(serverFirst, 'i'));
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new IllegalStateException("SCRAM: the server's nonce does not extend the client's; authentication aborted");
        }
        if (iterations < 1) {
            throw new IllegalStateException("SCRAM: the server sent an invalid iteration count " + iterations);
        }
        byte[] header = (gs2Header).getBytes(StandardCharsets.UTF_8);
        byte[] binding = new byte[header.length + channelBindingData.length];
        System.arraycopy(header, 0, binding, 0, header.length);
        System.arraycopy(channelBindingData, 0, binding, header.length, channelBindingData.length);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(binding) + ",r=" + nonce;
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);

        byte[] saltedPassword = hi(password, salt, iterations);
        byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = sha256(clientKey);
        byte[] clientSignature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
        }
        byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        expectedServerSignature = hmac(serverKey, authMessage);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** Checks the server-final-message: the server must prove it knows the password too. */
    public void verifyServerFinal(byte[] serverFinalBytes) {
        String serverFinal = new String(serverFinalBytes, StandardCharsets.UTF_8);
        if (serverFinal.startsWith("e=")) {
            throw new IllegalStateException("SCRAM: the server rejected the authentication: " + serverFinal.substring(2));
        }
        byte[] signature = Base64.getDecoder().decode(attribute(serverFinal, 'v'));
        if (expectedServerSignature == null || !MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new IllegalStateException("SCRAM: the server's signature is wrong; it may not be the server you meant");
        }
    }

    private static String attribute(String message, char name) {
        for (String part : message.split(",")) {
            if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') {
                return part.substring(2);
            }
        }
        throw new IllegalStateException("SCRAM: the server message lacks the '" + name + "' attribute");
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
            throw new IllegalStateException("SCRAM channel binding: no hash is defined for certificates signed with "
                    + certificate.getSigAlgName() + "; set channel binding to disable");
        }
        try {
            return MessageDigest.getInstance(digest).digest(certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SCRAM channel binding: cannot hash the server certificate", e);
        }
    }

    private static byte[] hi(byte[] password, byte[] salt, int iterations) {
        Mac mac = mac(password);
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
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
