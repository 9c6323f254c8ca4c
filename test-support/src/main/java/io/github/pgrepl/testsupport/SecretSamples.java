package io.github.pgrepl.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Passwords for property tests of "no secret in any message", and the connection URLs that carry them.
 *
 * <p>Each password holds every printable ASCII character ({@code / ? & @ : # % =} and the space included), in a
 * random order, with one of {@link #RARE} after every two: so each 3-character piece of it holds a character
 * that pgrepl's own messages never contain, and finding any piece in a message proves that the message echoes
 * the password. {@link #leakedPiece} looks for such pieces.
 */
public final class SecretSamples {

    /** Characters that no pgrepl message, log line or JSON document contains of its own accord. */
    public static final String RARE = "`~^|\\{}";

    private SecretSamples() {
    }

    /** {@code count} passwords made of every printable ASCII character, reproducible from {@code seed}. */
    public static List<String> printableAsciiPasswords(long seed, int count) {
        Random random = new Random(seed);
        List<String> passwords = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            List<Character> common = new ArrayList<>();
            for (char c = ' '; c <= '~'; c++) {
                if (RARE.indexOf(c) < 0) {
                    common.add(c);
                }
            }
            Collections.shuffle(common, random);
            StringBuilder password = new StringBuilder();
            // A rare character first and after every two others: every 3-character window holds one.
            for (int i = 0; i < common.size(); i++) {
                if (i % 2 == 0) {
                    password.append(RARE.charAt(random.nextInt(RARE.length())));
                }
                password.append(common.get(i));
            }
            password.append(RARE); // and each rare character at least once
            passwords.add(password.toString());
        }
        return passwords;
    }

    /**
     * A piece of 3 characters of {@code password} that {@code text} contains, if any: as is, after undoing
     * percent-encoding (a URL echoed as given) and after undoing JSON string escapes (health and endpoint output).
     */
    public static Optional<String> leakedPiece(String password, CharSequence text) {
        String raw = text.toString();
        for (String haystack : new String[] {raw, percentDecoded(raw), jsonUnescaped(raw)}) {
            for (int i = 0; i + 3 <= password.length(); i++) {
                String piece = password.substring(i, i + 3);
                if (haystack.contains(piece)) {
                    return Optional.of(piece);
                }
            }
        }
        return Optional.empty();
    }

    /** Every {@code %XY} replaced by its byte (as a Latin-1 character); anything else left as is. */
    static String percentDecoded(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && Character.digit(text.charAt(i + 1), 16) >= 0
                    && Character.digit(text.charAt(i + 2), 16) >= 0) {
                out.append((char) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** JSON's string escapes undone: backslash before a backslash, a quote or a slash, and four-digit unicode escapes. */
    static String jsonUnescaped(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(i + 1);
                if (next == 'u' && i + 5 < text.length()) {
                    try {
                        out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
                        i += 5;
                        continue;
                    } catch (NumberFormatException e) {
                        // not an escape
                    }
                }
                if (next == '\\' || next == '"' || next == '/') {
                    out.append(next);
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters. */
    public static String percentEncode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (Character.isLetterOrDigit(c) && c < 128 || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    /** A connection URL carrying a password, and whether it is valid by construction (else: maybe, maybe not). */
    public record SecretUrl(String url, boolean valid, String form) {
    }

    /**
     * The ways a URL carries {@code password}: raw and percent-encoded, in the user info and as a query parameter,
     * in libpq and pgjdbc form; each also broken in the ways users break URLs (a bad port, an unknown parameter, a
     * bad sslmode, a bad scheme, a malformed escape), before and after the password.
     */
    public static List<SecretUrl> urls(String user, String password, String host, int port, String database) {
        String encoded = percentEncode(password);
        String server = host + ":" + port + "/" + database;
        String jdbc = "jdbc:postgresql://" + server + "?user=" + user + "&password=";
        List<SecretUrl> urls = new ArrayList<>();
        urls.add(new SecretUrl("postgresql://" + user + ":" + encoded + "@" + server, true, "encoded user info"));
        urls.add(new SecretUrl("postgresql://" + user + "@" + server + "?password=" + encoded, true, "encoded parameter"));
        urls.add(new SecretUrl(jdbc + encoded + "&sslmode=disable", true, "encoded jdbc parameter"));
        urls.add(new SecretUrl("postgresql://" + user + ":" + password + "@" + server, false, "raw user info"));
        urls.add(new SecretUrl("postgresql://" + user + "@" + server + "?password=" + password, false, "raw parameter"));
        urls.add(new SecretUrl(jdbc + password + "&sslmode=disable", false, "raw jdbc parameter"));
        for (String secret : new String[] {encoded, password}) {
            String kind = secret.equals(encoded) ? "encoded" : "raw";
            String withUserInfo = "postgresql://" + user + ":" + secret + "@";
            String withParameter = "postgresql://" + user + "@" + server + "?password=" + secret;
            urls.add(new SecretUrl(withUserInfo + host + ":99999/" + database, false, kind + " user info, bad port"));
            urls.add(new SecretUrl(withUserInfo + server + "?sslmode=sometimes", false, kind + " user info, bad sslmode"));
            urls.add(new SecretUrl(withUserInfo + server + "?bogus=1", false, kind + " user info, unknown parameter"));
            urls.add(new SecretUrl("mysql" + withUserInfo.substring("postgresql".length()) + server, false,
                    kind + " user info, bad scheme"));
            urls.add(new SecretUrl(withUserInfo + host + ":" + port + "/%zz" + database, false, kind + " user info, malformed escape"));
            urls.add(new SecretUrl("postgresql://" + user + "@" + server + "?bogus=1&password=" + secret, false,
                    kind + " parameter after an unknown one"));
            urls.add(new SecretUrl(withParameter + "&bogus=1", false, kind + " parameter before an unknown one"));
            urls.add(new SecretUrl(withParameter + "&connect_timeout=soon", false, kind + " parameter before a bad number"));
            urls.add(new SecretUrl("postgresql://" + user + "@[::1/" + database + "?password=" + secret, false,
                    kind + " parameter, bad IPv6"));
        }
        return urls;
    }
}
