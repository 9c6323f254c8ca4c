package io.github.pgrepl.bench;

/** pgoutput's value format: {@code binary 'true'} or the default text. */
enum Format {
    TEXT, BINARY;

    boolean binary() {
        return this == BINARY;
    }

    String label() {
        return name().toLowerCase();
    }

    static Format of(String label) {
        for (Format format : values()) {
            if (format.label().equals(label)) {
                return format;
            }
        }
        throw new IllegalArgumentException("Unknown format '" + label + "': use text or binary");
    }
}
