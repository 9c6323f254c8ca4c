package io.github.pgrepl.internal.auth;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * libpq's {@code require_auth}: the authentication methods a server may ask for, as a comma-separated list
 * ({@code scram-sha-256,none}), or the methods it may not ask for, each negated ({@code !password,!md5}).
 * {@code none} allows a server that asks for nothing (trust); {@code !none} forbids it. A list without
 * negations also requires that the server completes the exchange it asked for. The two forms cannot be
 * mixed, and a method may appear once, as in libpq: a typo here must not silently weaken the setting.
 */
public final class RequireAuth {

    static final int PASSWORD = 3;
    static final int MD5 = 5;
    static final int GSS = 7;
    static final int GSS_CONTINUE = 8;
    static final int SSPI = 9;
    static final int SASL = 10;
    static final int SASL_CONTINUE = 11;
    static final int SASL_FINAL = 12;

    private static final String METHODS = "password, md5, scram-sha-256, none (libpq's gss, sspi and oauth are"
            + " accepted too, though pgrepl speaks none of them), each optionally negated with !";

    private final String text;
    private final Set<Integer> allowed;
    private final boolean authRequired;

    private RequireAuth(String text, Set<Integer> allowed, boolean authRequired) {
        this.text = text;
        this.allowed = Set.copyOf(allowed);
        this.authRequired = authRequired;
    }

    /**
     * Parses the setting; {@code null} or empty for no requirement.
     *
     * @throws IllegalArgumentException with libpq's wording, for an unknown, repeated or mixed method
     */
    public static RequireAuth parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String[] parts = text.split(",", -1);
        boolean negated = parts[0].strip().startsWith("!");
        Set<Integer> allowed = new HashSet<>();
        if (negated) {
            for (int code : new int[] {PASSWORD, MD5, GSS, GSS_CONTINUE, SSPI, SASL, SASL_CONTINUE, SASL_FINAL}) {
                allowed.add(code);
            }
        }
        boolean authRequired = !negated;
        Set<String> seen = new HashSet<>();
        for (String raw : parts) {
            String part = raw.strip();
            boolean negative = part.startsWith("!");
            if (negative && !negated) {
                throw new IllegalArgumentException("negative require_auth method \"" + part
                        + "\" cannot be mixed with non-negative methods");
            }
            if (!negative && negated) {
                throw new IllegalArgumentException("require_auth method \"" + part + "\" cannot be mixed with negative methods");
            }
            String method = negative ? part.substring(1) : part;
            Set<Integer> codes = codes(method.toLowerCase(Locale.ROOT));
            if (codes == null) {
                throw new IllegalArgumentException("invalid require_auth value: \"" + method + "\"; use " + METHODS);
            }
            if (!seen.add(method.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("require_auth method \"" + part + "\" is specified more than once");
            }
            if (method.equalsIgnoreCase("none")) {
                authRequired = negated; // none: the server may ask for nothing; !none: it must ask
            } else if (negated) {
                allowed.removeAll(codes);
            } else {
                allowed.addAll(codes);
            }
        }
        return new RequireAuth(text, allowed, authRequired);
    }

    /** The request codes a method stands for; empty for the ones pgrepl does not speak, {@code null} if unknown. */
    private static Set<Integer> codes(String method) {
        return switch (method) {
            case "password" -> Set.of(PASSWORD);
            case "md5" -> Set.of(MD5);
            case "gss" -> Set.of(GSS, GSS_CONTINUE);
            case "sspi" -> Set.of(SSPI, GSS_CONTINUE);
            case "scram-sha-256" -> Set.of(SASL, SASL_CONTINUE, SASL_FINAL);
            case "oauth", "none" -> Set.of();
            default -> null;
        };
    }

    /** The setting as given. */
    public String text() {
        return text;
    }

    /** Whether the server may send this authentication request (3 cleartext, 5 md5, 10–12 SASL, …). */
    public boolean allows(int requestCode) {
        return allowed.contains(requestCode);
    }

    /** Whether SCRAM-SHA-256 may be used at all. */
    public boolean allowsScram() {
        return allowed.contains(SASL);
    }

    /** Whether the server must ask for, and the client complete, some authentication before AuthenticationOk. */
    public boolean authRequired() {
        return authRequired;
    }

    /** libpq's words for a request a server made. */
    static String describe(int requestCode) {
        return switch (requestCode) {
            case PASSWORD -> "server requested a cleartext password";
            case MD5 -> "server requested a hashed password";
            case GSS, GSS_CONTINUE -> "server requested GSSAPI authentication";
            case SSPI -> "server requested SSPI authentication";
            case SASL, SASL_CONTINUE, SASL_FINAL -> "server requested SASL authentication";
            default -> "server requested an unknown authentication type (" + requestCode + ")";
        };
    }
}
