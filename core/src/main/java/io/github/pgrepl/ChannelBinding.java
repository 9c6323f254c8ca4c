package io.github.pgrepl;

import java.util.Locale;

/** SCRAM channel binding, with libpq's {@code channel_binding} meanings. */
public enum ChannelBinding {
    /** Never bind (plain SCRAM-SHA-256 even over TLS). */
    DISABLE,
    /** Bind when TLS is on and the server offers SCRAM-SHA-256-PLUS. */
    PREFER,
    /** Bind or fail: the server must authenticate with SCRAM-SHA-256-PLUS over TLS. */
    REQUIRE;

    public static ChannelBinding parse(String text) {
        if (text != null) {
            String normalized = text.trim().toUpperCase(Locale.ROOT);
            for (ChannelBinding binding : values()) {
                if (binding.name().equals(normalized)) {
                    return binding;
                }
            }
        }
        throw new IllegalArgumentException("Unknown channel_binding '" + text + "': use one of disable, prefer, require");
    }
}
