package io.github.pgrepl.pgoutput.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code array_out}'s text form in both directions: {@code {1,2,NULL}}, {@code {{1,2},{3,4}}},
 * {@code {"a b","say \"hi\"",NULL,"NULL"}}, optionally preceded by bounds such as
 * {@code [0:1]=} when a lower bound is not 1 (bounds are skipped). Elements are quoted when empty,
 * when they spell NULL, or when they hold whitespace or one of <code>{ } , " \</code>.
 */
public final class TextArrays {

    private TextArrays() {
    }

    /** Parses to nested lists of element texts, NULL elements as {@code null}. */
    public static List<Object> parse(String text) {
        Parser parser = new Parser(text);
        parser.skipBounds();
        List<Object> result = parser.array(1);
        parser.skipWhitespace();
        if (parser.position != text.length()) {
            throw parser.invalid("the end of the array");
        }
        return result;
    }

    /** Formats nested lists whose leaves are already element texts ({@code null} for NULL). */
    public static String format(List<?> elements) {
        StringBuilder out = new StringBuilder();
        append(out, elements);
        return out.toString();
    }

    private static void append(StringBuilder out, List<?> elements) {
        out.append('{');
        for (int i = 0; i < elements.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            Object element = elements.get(i);
            if (element instanceof List<?> nested) {
                append(out, nested);
            } else if (element == null) {
                out.append("NULL");
            } else {
                appendElement(out, (String) element);
            }
        }
        out.append('}');
    }

    private static void appendElement(StringBuilder out, String text) {
        if (!needsQuotes(text)) {
            out.append(text);
            return;
        }
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }

    private static boolean needsQuotes(String text) {
        if (text.isEmpty() || text.equalsIgnoreCase("NULL")) {
            return true;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || isSpace(c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u000B' || c == '\f';
    }

    private static final class Parser {
        private final String text;
        private int position;

        Parser(String text) {
            this.text = text;
        }

        void skipBounds() {
            skipWhitespace();
            if (position < text.length() && text.charAt(position) == '[') {
                int equals = text.indexOf('=', position);
                if (equals < 0) {
                    throw invalid("'=' after the array bounds");
                }
                position = equals + 1;
            }
        }

        List<Object> array(int depth) {
            if (depth > BinaryArrays.MAX_DIMENSIONS) {
                throw invalid("at most " + BinaryArrays.MAX_DIMENSIONS + " dimensions");
            }
            skipWhitespace();
            expect('{');
            List<Object> elements = new ArrayList<>();
            skipWhitespace();
            if (peek() == '}') {
                position++;
                return List.of();
            }
            while (true) {
                skipWhitespace();
                char c = peek();
                if (c == '{') {
                    elements.add(array(depth + 1));
                } else if (c == '"') {
                    elements.add(quoted());
                } else {
                    elements.add(unquoted());
                }
                skipWhitespace();
                char next = peek();
                position++;
                if (next == '}') {
                    return Collections.unmodifiableList(elements);
                }
                if (next != ',') {
                    position--;
                    throw invalid("',' or '}'");
                }
            }
        }

        private String quoted() {
            position++;
            StringBuilder value = new StringBuilder();
            while (true) {
                char c = peek();
                position++;
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    c = peek();
                    position++;
                }
                value.append(c);
            }
        }

        private String unquoted() {
            StringBuilder value = new StringBuilder();
            int lastSignificant = 0;
            boolean escaped = false;
            while (true) {
                char c = peek();
                if (c == ',' || c == '}') {
                    break;
                }
                if (c == '{' || c == '"') {
                    throw invalid("no '" + c + "' inside an unquoted element");
                }
                position++;
                if (c == '\\') {
                    c = peek();
                    position++;
                    value.append(c);
                    lastSignificant = value.length();
                    escaped = true;
                } else {
                    value.append(c);
                    if (!isSpace(c)) {
                        lastSignificant = value.length();
                    }
                }
            }
            // Trailing whitespace is not part of an unquoted element; an escaped one is.
            value.setLength(lastSignificant);
            if (value.length() == 0) {
                throw invalid("an element");
            }
            String element = value.toString();
            // Only a bare NULL is the null element; "NULL" or N\ULL spell the text.
            return !escaped && element.equalsIgnoreCase("NULL") ? null : element;
        }

        void skipWhitespace() {
            while (position < text.length() && isSpace(text.charAt(position))) {
                position++;
            }
        }

        private char peek() {
            if (position >= text.length()) {
                throw invalid("more input");
            }
            return text.charAt(position);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw invalid("'" + c + "'");
            }
            position++;
        }

        IllegalArgumentException invalid(String expected) {
            return new IllegalArgumentException("malformed array literal, expected " + expected + " at position "
                    + position + " of '" + Strings.abbreviate(text, 64) + "'");
        }
    }
}
