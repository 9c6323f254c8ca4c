package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.pgoutput.DecodeException;
import io.github.pgrepl.pgoutput.Row;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads the rows of a {@code COPY ... TO STDOUT}, one CopyData each, into pgoutput's tuple layout, so that a
 * {@link Row} converts their values as it converts a stream's: text COPY gives text values ({@code t}), binary COPY
 * binary ones ({@code b}, the types' send format, as pgoutput's binary mode). One instance per COPY, used from one
 * thread; it copies what it keeps, so the CopyData is read only during {@link #read}.
 */
public abstract sealed class CopyRows permits CopyRows.Text, CopyRows.Binary {

    private static final byte NULL = 'n';

    protected final RowFactory rows;
    protected final int columns;
    /** Reused between rows; each row gets its own exact copy. */
    protected byte[] scratch = new byte[256];
    protected final int[] starts;
    protected int size;

    private CopyRows(RowFactory rows) {
        this.rows = rows;
        this.columns = rows.relation().columns().size();
        this.starts = new int[columns];
    }

    /** Text or binary COPY, as {@code binary} says; the SQL's {@code FORMAT} must say the same. */
    public static CopyRows of(RowFactory rows, boolean binary) {
        return binary ? new Binary(rows) : new Text(rows);
    }

    /** The row in {@code copyData} (from its position to its limit), or {@code null} when it holds none (a trailer). */
    public abstract Row read(ByteBuffer copyData);

    protected final Row finish() {
        return rows.row(Arrays.copyOf(scratch, size), starts.clone());
    }

    protected final void ensure(int more) {
        if (size + more > scratch.length) {
            scratch = Arrays.copyOf(scratch, Math.max(scratch.length * 2, size + more));
        }
    }

    protected final void putInt(int at, int value) {
        scratch[at] = (byte) (value >>> 24);
        scratch[at + 1] = (byte) (value >>> 16);
        scratch[at + 2] = (byte) (value >>> 8);
        scratch[at + 3] = (byte) value;
    }

    /** Big-endian, whatever the buffer's byte order. */
    protected static int intAt(ByteBuffer in, int at) {
        return (in.get(at) & 0xFF) << 24 | (in.get(at + 1) & 0xFF) << 16 | (in.get(at + 2) & 0xFF) << 8 | in.get(at + 3) & 0xFF;
    }

    protected final DecodeException malformed(String format, String problem) {
        return new DecodeException("Malformed " + format + " COPY row of " + rows.relation().qualifiedName() + ": " + problem);
    }

    /**
     * Text COPY: columns separated by tabs, the row ended by a newline, {@code \N} for NULL, and backslash escapes
     * ({@code \b \f \n \r \t \v \\}, octal {@code \ooo}, hex {@code \xhh}, any other character for itself).
     */
    static final class Text extends CopyRows {

        private static final byte TEXT = 't';

        Text(RowFactory rows) {
            super(rows);
        }

        @Override
        public Row read(ByteBuffer copyData) {
            int at = copyData.position();
            int end = copyData.limit();
            if (end > at && copyData.get(end - 1) == '\n') {
                end--;
            }
            size = 0;
            ensure(end - at + 5 * columns);
            int column = 0;
            while (true) {
                if (column == columns) {
                    throw malformed("text", "more than the " + columns + " columns of the relation");
                }
                starts[column] = size;
                int fieldEnd = at;
                boolean escaped = false;
                while (fieldEnd < end) {
                    byte b = copyData.get(fieldEnd);
                    if (b == '\t') {
                        break;
                    }
                    if (b == '\\') {
                        escaped = true;
                        fieldEnd++; // the escaped byte is never a delimiter
                    }
                    fieldEnd++;
                }
                fieldEnd = Math.min(fieldEnd, end);
                if (escaped && fieldEnd - at == 2 && copyData.get(at + 1) == 'N') {
                    scratch[size++] = NULL;
                } else {
                    scratch[size] = TEXT;
                    int lengthAt = size + 1;
                    size += 5;
                    if (escaped) {
                        unescape(copyData, at, fieldEnd);
                    } else {
                        copyData.get(at, scratch, size, fieldEnd - at);
                        size += fieldEnd - at;
                    }
                    putInt(lengthAt, size - lengthAt - 4);
                }
                column++;
                if (fieldEnd >= end) {
                    break;
                }
                at = fieldEnd + 1;
            }
            if (column != columns) {
                throw malformed("text", column + " columns, but the relation has " + columns);
            }
            return finish();
        }

        private void unescape(ByteBuffer in, int from, int to) {
            int i = from;
            while (i < to) {
                byte b = in.get(i++);
                if (b != '\\' || i >= to) {
                    scratch[size++] = b;
                    continue;
                }
                byte c = in.get(i++);
                switch (c) {
                    case 'b' -> scratch[size++] = '\b';
                    case 'f' -> scratch[size++] = '\f';
                    case 'n' -> scratch[size++] = '\n';
                    case 'r' -> scratch[size++] = '\r';
                    case 't' -> scratch[size++] = '\t';
                    case 'v' -> scratch[size++] = 0x0B;
                    case 'x' -> {
                        int value = 0;
                        int digits = 0;
                        while (digits < 2 && i < to && Character.digit(in.get(i), 16) >= 0) {
                            value = value * 16 + Character.digit(in.get(i++), 16);
                            digits++;
                        }
                        scratch[size++] = digits == 0 ? (byte) 'x' : (byte) value;
                    }
                    default -> {
                        if (c >= '0' && c <= '7') {
                            int value = c - '0';
                            for (int digits = 1; digits < 3 && i < to && in.get(i) >= '0' && in.get(i) <= '7'; digits++) {
                                value = value * 8 + in.get(i++) - '0';
                            }
                            scratch[size++] = (byte) value;
                        } else {
                            scratch[size++] = c;
                        }
                    }
                }
            }
        }
    }

    /**
     * Binary COPY: a header before the first row ({@code PGCOPY\n\377\r\n\0}, flags, an extension), then per row an
     * int16 column count and per column an int32 length (-1 for NULL) and the value, and a trailer of -1.
     */
    static final class Binary extends CopyRows {

        private static final byte BINARY = 'b';
        private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};

        private boolean headerRead;

        Binary(RowFactory rows) {
            super(rows);
        }

        @Override
        public Row read(ByteBuffer copyData) {
            int at = copyData.position();
            int end = copyData.limit();
            if (!headerRead) {
                at = skipHeader(copyData, at, end);
                headerRead = true;
            }
            if (end - at < 2) {
                throw malformed("binary", "a row without its column count");
            }
            int count = (short) ((copyData.get(at) & 0xFF) << 8 | copyData.get(at + 1) & 0xFF);
            at += 2;
            if (count == -1) {
                return null; // the trailer
            }
            if (count != columns) {
                throw malformed("binary", count + " columns, but the relation has " + columns);
            }
            size = 0;
            ensure(end - at + columns);
            for (int column = 0; column < columns; column++) {
                if (end - at < 4) {
                    throw malformed("binary", "column " + column + " without its length");
                }
                int length = intAt(copyData, at);
                at += 4;
                starts[column] = size;
                if (length == -1) {
                    scratch[size++] = NULL;
                    continue;
                }
                if (length < 0 || length > end - at) {
                    throw malformed("binary", "column " + column + " claims " + length + " bytes, " + (end - at) + " remain");
                }
                scratch[size] = BINARY;
                putInt(size + 1, length);
                copyData.get(at, scratch, size + 5, length);
                size += 5 + length;
                at += length;
            }
            return finish();
        }

        private int skipHeader(ByteBuffer in, int at, int end) {
            if (end - at < SIGNATURE.length + 8) {
                throw malformed("binary", "the header is truncated");
            }
            for (int i = 0; i < SIGNATURE.length; i++) {
                if (in.get(at + i) != SIGNATURE[i]) {
                    throw malformed("binary", "the header's signature is not PGCOPY's");
                }
            }
            int extension = intAt(in, at + SIGNATURE.length + 4);
            if (extension < 0 || extension > end - at - SIGNATURE.length - 8) {
                throw malformed("binary", "the header's extension length " + extension + " is impossible");
            }
            return at + SIGNATURE.length + 8 + extension;
        }
    }
}
