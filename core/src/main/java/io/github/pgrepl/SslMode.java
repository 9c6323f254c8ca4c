package io.github.pgrepl;

import java.util.Locale;

/** TLS modes, with libpq's meanings. */
public enum SslMode {
    /** Never TLS. */
    DISABLE,
    /** Plain first; TLS only when the server refuses a plain connection. No certificate check. */
    ALLOW,
    /** TLS when the server offers it, else plain. No certificate check. */
    PREFER,
    /** TLS or fail. The certificate is checked against the root certificate only when one is configured. */
    REQUIRE,
    /** TLS, with the server certificate's chain checked against the root certificate. */
    VERIFY_CA,
    /** As {@link #VERIFY_CA}, and the certificate must name the host connected to. */
    VERIFY_FULL;

    /** Parses libpq's spelling ({@code verify-full}), any case. */
    public static SslMode parse(String text) {
        if (text != null) {
            String normalized = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (SslMode mode : values()) {
                if (mode.name().equals(normalized)) {
                    return mode;
                }
            }
        }
        throw new IllegalArgumentException("Unknown sslmode '" + text
                + "': use one of disable, allow, prefer, require, verify-ca, verify-full");
    }

    /** libpq's spelling, e.g. {@code verify-full}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether this mode fails rather than connect without TLS. */
    public boolean requiresTls() {
        return this == REQUIRE || this == VERIFY_CA || this == VERIFY_FULL;
    }
}
