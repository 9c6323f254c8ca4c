package io.github.pgrepl.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The MD5 password response: {@code "md5" + md5(md5(password + user) + salt)}, in lowercase hex. */
public final class Md5Password {

    private Md5Password() {
    }

    public static String response(String user, String password, byte[] salt) {
        MessageDigest md5 = md5();
        md5.update(password.getBytes(StandardCharsets.UTF_8));
        md5.update(user.getBytes(StandardCharsets.UTF_8));
        byte[] inner = HexFormat.of().formatHex(md5.digest()).getBytes(StandardCharsets.US_ASCII);
        md5.update(inner);
        md5.update(salt);
        return "md5" + HexFormat.of().formatHex(md5.digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no MD5, needed for md5 password authentication", e);
        }
    }
}
