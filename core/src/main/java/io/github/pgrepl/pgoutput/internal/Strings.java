package io.github.pgrepl.pgoutput.internal;

/** Keeps {@code toString()} and error messages short whatever the data. */
public final class Strings {

    private Strings() {
    }

    /** The text itself when short, else its start and how much was left out. */
    public static String abbreviate(String text, int maxLength) {
        if (text == null || text.length() <= maxLength) {
            return text;
        }
        return text.substring(0, maxLength) + "...(" + text.length() + " chars)";
    }
}
