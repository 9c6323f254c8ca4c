package io.github.pgrepl.pgoutput;

import io.github.pgrepl.pgoutput.internal.BinaryArrays;
import io.github.pgrepl.pgoutput.internal.BinaryValues;
import io.github.pgrepl.pgoutput.internal.PgDateTime;
import io.github.pgrepl.pgoutput.internal.PgType;
import io.github.pgrepl.pgoutput.internal.Strings;
import io.github.pgrepl.pgoutput.internal.TextFormatter;
import io.github.pgrepl.pgoutput.internal.TextValues;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The column values of one tuple of an Insert, Update or Delete, in the relation's column order.
 *
 * <p>The tuple's bytes were copied once when the message was decoded; a value is converted only
 * when a getter asks for it, then cached. By default nothing in a row changes once the listener has it: a row is
 * never reused for another tuple, so a listener may keep it. Text ({@code t}) and binary ({@code b}) values of the
 * same data give the same Java values.
 *
 * <p><b>Borrowed rows</b> ({@link PgOutputHandler.Builder#borrowedRows(boolean)}, off by default): the tuple's bytes
 * are in a buffer the handler reuses once the {@link ChangeListener#onChange} call that received the row has returned
 * (for the last time, when the listener is retried). A borrowed row is valid during that call only: afterwards every
 * getter throws an {@link IllegalStateException} saying so, rather than read what the buffer holds by then; it never
 * shows another tuple's values. To keep a row, take {@link #copy()} inside the call. {@link #toString()} of such a
 * row says it was released instead of throwing, for log lines.
 *
 * <p>Getters return {@code null} for SQL NULL. For a column whose TOASTed value did not change in
 * an Update, the server sends no value at all: {@link #isUnchangedToast(int)} is true, and every
 * getter throws {@link IllegalStateException} rather than pretend the value is NULL. Under
 * {@code REPLICA IDENTITY FULL} the value arrives in the Update's {@code oldRow()} only (the old
 * row carries every column); the new row still marks it unchanged.
 *
 * <p>Types ({@link #getObject(int)}): bool {@code Boolean}, int2 {@code Short}, int4 {@code
 * Integer}, int8 {@code Long}, float4 {@code Float}, float8 {@code Double}, numeric {@code
 * BigDecimal} (or the String {@code NaN}, {@code Infinity}, {@code -Infinity}), text, varchar,
 * bpchar, name, json and jsonb {@code String}, bytea {@code byte[]}, uuid {@code UUID}, date
 * {@code LocalDate}, time {@code LocalTime}, timestamp {@code LocalDateTime}, timestamptz {@code
 * OffsetDateTime} at UTC; arrays of these an unmodifiable {@code List} (nested per dimension, NULL
 * elements {@code null}). Infinite dates and timestamps are the {@code MAX}/{@code MIN} constants
 * of their Java type. A domain is read as its base type and an enum as text, when the handler
 * found them in the catalog at connect. Any other type is its text; oid, xid, xid8, cid, "char",
 * interval, timetz, inet, cidr, macaddr, macaddr8, bit, varbit and pg_lsn (and their arrays) read
 * as the same text in binary mode, other types' binary values as {@code \x} hex.
 *
 * <p>Typed getters accept the column types listed on each, plus any type left as text, whose text
 * they parse (so an oid works with {@link #getLong(int)}). Another type, or a value that does not
 * parse, fails with an {@link IllegalStateException} or a {@link DecodeException}. Text and binary
 * values of the same data give equal results for every getter, but for the hex of types pgrepl
 * cannot print from binary.
 *
 * <p>Not thread-safe while values are first converted; safe to share once read.
 *
 * <p>Past 500 lines for one reason: its public getters, a documented pair (by index, by name) per Java type. The
 * conversions themselves live in {@code internal} ({@code TextValues}, {@code BinaryValues}, the array readers); what
 * stays besides the getters is how the row reaches its own tuple (its array, or a borrowed row's lease, checked around
 * every read), which no other class may see. The pool of leases is {@code RowLeases}.
 */
public final class Row {

    private static final Set<PgType> BOOLEANS = EnumSet.of(PgType.BOOL);
    private static final Set<PgType> SHORTS = EnumSet.of(PgType.INT2);
    private static final Set<PgType> INTS = EnumSet.of(PgType.INT2, PgType.INT4);
    private static final Set<PgType> LONGS = EnumSet.of(PgType.INT2, PgType.INT4, PgType.INT8);
    private static final Set<PgType> FLOATS = EnumSet.of(PgType.FLOAT4);
    private static final Set<PgType> DOUBLES = EnumSet.of(PgType.FLOAT4, PgType.FLOAT8);
    private static final Set<PgType> DECIMALS = EnumSet.of(PgType.NUMERIC, PgType.INT2, PgType.INT4, PgType.INT8);
    private static final Set<PgType> BYTES = EnumSet.of(PgType.BYTEA);
    private static final Set<PgType> UUIDS = EnumSet.of(PgType.UUID);
    private static final Set<PgType> DATES = EnumSet.of(PgType.DATE);
    private static final Set<PgType> TIMES = EnumSet.of(PgType.TIME);
    private static final Set<PgType> TIMESTAMPS = EnumSet.of(PgType.TIMESTAMP);
    private static final Set<PgType> TIMESTAMPTZS = EnumSet.of(PgType.TIMESTAMPTZ);
    private static final Set<PgType> ARRAYS = EnumSet.noneOf(PgType.class);

    static {
        for (PgType type : PgType.values()) {
            if (type.isArray()) {
                ARRAYS.add(type);
            }
        }
    }

    private static final int MAX_SHOWN_COLUMNS = 32;
    private static final int MAX_SHOWN_CHARS = 64;

    private final RowSchema schema;
    /**
     * The tuple as sent, from the first column's kind byte on: a {@code byte[]} of its own, or for a borrowed row the
     * {@link RowLease} whose buffer holds it while the lease is lent to this row. One field for either, so that a row
     * takes no more memory than before borrowed rows existed (32 bytes).
     */
    private final Object tuple;
    private final String messageName;
    /** Offset of {@code data[0]} in the message, for error messages. */
    private final int messageOffset;
    /**
     * Where each column starts, and the values converted so far: made when the row is first read, so that a row nobody
     * reads costs only itself and its tuple's bytes.
     */
    private Columns columns;

    /**
     * @param starts where each column's kind byte is in {@code data}, or {@code null} for a tuple whose columns follow
     *     one another from {@code data[0]} (as {@link TupleReader} checked them), found when first needed
     */
    Row(RowSchema schema, byte[] data, int[] starts, String messageName, int messageOffset) {
        this.schema = schema;
        this.tuple = data;
        this.messageName = messageName;
        this.messageOffset = messageOffset;
        if (starts != null) {
            if (starts.length != schema.size()) {
                throw new IllegalArgumentException(starts.length + " column starts for the " + schema.size()
                        + " columns of " + schema.relation().qualifiedName());
            }
            this.columns = new Columns(starts);
        }
    }

    /**
     * A borrowed row: its tuple is at the start of {@code lease}'s buffer, valid while the lease is lent to it (the
     * caller lends it, {@link RowLease#lendTo}, once the row is made).
     */
    Row(RowSchema schema, RowLease lease, String messageName, int messageOffset) {
        this.schema = schema;
        this.tuple = lease;
        this.messageName = messageName;
        this.messageOffset = messageOffset;
    }

    /** The tuple's bytes (of a borrowed row, its lease's buffer: check {@link #checkBorrowed} around the reads). */
    private byte[] data() {
        Object found = tuple;
        return found instanceof byte[] bytes ? bytes : ((RowLease) found).bytes;
    }

    /**
     * Final fields, so that a thread that sees a {@code Columns} another one made sees its starts too: a row read
     * first by two threads at once makes two, both right. The values cache is not thread-safe (see the class).
     */
    private static final class Columns {

        final int[] starts;
        Object[] values;

        Columns(int[] starts) {
            this.starts = starts;
        }
    }

    private Columns columns() {
        Columns found = columns;
        if (found == null) {
            checkBorrowed();
            int[] starts;
            try {
                starts = starts(data(), schema.size());
            } catch (RuntimeException e) {
                checkBorrowed(); // bytes of another tuple, read while the buffer was reused: say so, not this
                throw e;
            }
            found = new Columns(checked(starts));
            columns = found;
        } else if (tuple instanceof RowLease) {
            checkBorrowed();
        }
        return found;
    }

    /**
     * An owned copy of this row, for keeping it past the listener's call: of a borrowed row, a row with its own copy of
     * the tuple, which never changes; of any other row, the row itself (it never changes either).
     *
     * @throws IllegalStateException when this borrowed row's call has returned already
     */
    public Row copy() {
        if (!(tuple instanceof RowLease)) {
            return this;
        }
        Columns found = columns();
        byte[] own = checked(Arrays.copyOf(data(), endOfTuple(found.starts)));
        return new Row(schema, own, found.starts, messageName, messageOffset);
    }

    /** The lease of a borrowed row, else {@code null}. */
    RowLease lease() {
        return tuple instanceof RowLease lease ? lease : null;
    }

    /** Where the tuple ends: after its last column's value, or its kind byte. */
    private int endOfTuple(int[] starts) {
        if (starts.length == 0) {
            return 0;
        }
        int last = starts.length - 1;
        byte kind = data()[starts[last]];
        return kind == 't' || kind == 'b' ? valueStart(last) + valueLength(last) : starts[last] + 1;
    }

    /**
     * For a borrowed row: throws once the call it was lent for has returned (the lease is lent to another row, or to
     * none). Called before reading the buffer and
     * again after (see {@link #checked}), so that a read racing with the buffer's reuse on another thread fails too.
     */
    private void checkBorrowed() {
        if (released()) {
            throw new IllegalStateException("This row of " + relation().qualifiedName() + " was borrowed for the"
                    + " ChangeListener call that received it, and that call has returned: with borrowed rows"
                    + " (PgOutputHandler.Builder.borrowedRows(true)) its buffer holds other tuples now. Call Row.copy()"
                    + " inside the call to keep a row, or turn borrowed rows off");
        }
    }

    /** {@code value}, read from the buffer, once the row is known to have been valid while it was read. */
    private <T> T checked(T value) {
        if (tuple instanceof RowLease) {
            VarHandle.acquireFence(); // the buffer's reads above happen before the borrower's read below
            checkBorrowed();
        }
        return value;
    }

    private boolean released() {
        return tuple instanceof RowLease lease && !lease.isLentTo(this);
    }

    /** Where each column starts in a tuple whose structure was checked when it was decoded. */
    private static int[] starts(byte[] data, int count) {
        int[] starts = new int[count];
        int at = 0;
        for (int i = 0; i < count; i++) {
            starts[i] = at;
            byte kind = data[at++];
            if (kind == 't' || kind == 'b') {
                at += 4 + ((data[at] & 0xFF) << 24 | (data[at + 1] & 0xFF) << 16 | (data[at + 2] & 0xFF) << 8
                        | data[at + 3] & 0xFF);
            }
        }
        return starts;
    }

    /** The relation this row belongs to, as its last Relation message described it. */
    public ChangeEvent.Relation relation() {
        return schema.relation();
    }

    public int size() {
        return schema.size();
    }

    public List<String> columnNames() {
        return schema.names();
    }

    /**
     * Bytes of the tuple as the server sent it: what this row holds before any value is converted. For bounds on
     * how many rows a consumer keeps in memory.
     */
    public int dataSize() {
        return tuple instanceof byte[] data ? data.length : endOfTuple(columns().starts);
    }

    /**
     * The index of the column named {@code name} (exactly, as stored in the catalog).
     *
     * @throws IllegalArgumentException when the relation has no such column
     */
    public int indexOf(String name) {
        int index = schema.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("Relation " + relation().qualifiedName() + " has no column '"
                    + Strings.abbreviate(name, 64) + "'; its columns are "
                    + Strings.abbreviate(schema.names().toString(), 256));
        }
        return index;
    }

    /** True for SQL NULL; false for an unchanged TOAST value, whose value is unknown, not NULL. */
    public boolean isNull(int index) {
        return kind(index) == 'n';
    }

    public boolean isNull(String name) {
        return isNull(indexOf(name));
    }

    /**
     * True when the server did not send this column because it is a TOASTed value that the
     * Update did not change. Its value is unknown in this row; under {@code REPLICA IDENTITY FULL}
     * it arrives in the Update's {@code oldRow()} only.
     */
    public boolean isUnchangedToast(int index) {
        return kind(index) == 'u';
    }

    public boolean isUnchangedToast(String name) {
        return isUnchangedToast(indexOf(name));
    }

    /**
     * The value as the server prints it. For a binary value: the same text where the type is
     * known (timestamptz in UTC, arrays without lower bounds), else {@code \x} hex.
     */
    public String getString(int index) {
        if (!present(index)) {
            return null;
        }
        PgType type = schema.type(index);
        if (kind(index) == 't') {
            return type != null && type.isTextual() ? (String) value(index) : text(index);
        }
        if (type == null) {
            return hex(index);
        }
        return TextFormatter.format(value(index));
    }

    public String getString(String name) {
        return getString(indexOf(name));
    }

    /** The value converted by its column type, as listed in the class description. */
    public Object getObject(int index) {
        if (!present(index)) {
            return null;
        }
        Object value = value(index);
        return value instanceof byte[] bytes ? bytes.clone() : value;
    }

    public Object getObject(String name) {
        return getObject(indexOf(name));
    }

    /** bool. */
    public Boolean getBoolean(int index) {
        return (Boolean) typed(index, "getBoolean", PgType.BOOL, BOOLEANS);
    }

    public Boolean getBoolean(String name) {
        return getBoolean(indexOf(name));
    }

    /** int2. */
    public Short getShort(int index) {
        return (Short) typed(index, "getShort", PgType.INT2, SHORTS);
    }

    public Short getShort(String name) {
        return getShort(indexOf(name));
    }

    /** int2, int4. */
    public Integer getInt(int index) {
        Number value = (Number) typed(index, "getInt", PgType.INT4, INTS);
        return value == null ? null : value.intValue();
    }

    public Integer getInt(String name) {
        return getInt(indexOf(name));
    }

    /** int2, int4, int8. */
    public Long getLong(int index) {
        Number value = (Number) typed(index, "getLong", PgType.INT8, LONGS);
        return value == null ? null : value.longValue();
    }

    public Long getLong(String name) {
        return getLong(indexOf(name));
    }

    /** float4. */
    public Float getFloat(int index) {
        return (Float) typed(index, "getFloat", PgType.FLOAT4, FLOATS);
    }

    public Float getFloat(String name) {
        return getFloat(indexOf(name));
    }

    /** float4 (widened), float8. */
    public Double getDouble(int index) {
        Number value = (Number) typed(index, "getDouble", PgType.FLOAT8, DOUBLES);
        return value == null ? null : value.doubleValue();
    }

    public Double getDouble(String name) {
        return getDouble(indexOf(name));
    }

    /**
     * numeric, int2, int4, int8.
     *
     * @throws IllegalStateException for a numeric NaN or infinity, which BigDecimal cannot hold
     */
    public BigDecimal getBigDecimal(int index) {
        Object value = typed(index, "getBigDecimal", PgType.NUMERIC, DECIMALS);
        if (value instanceof String special) {
            throw new IllegalStateException("Column " + describe(index) + " holds numeric " + special
                    + ", which BigDecimal cannot represent; read it with getString() or getObject()");
        }
        if (value == null || value instanceof BigDecimal) {
            return (BigDecimal) value;
        }
        return BigDecimal.valueOf(((Number) value).longValue());
    }

    public BigDecimal getBigDecimal(String name) {
        return getBigDecimal(indexOf(name));
    }

    /** bytea; a new copy on every call. */
    public byte[] getBytes(int index) {
        byte[] value = (byte[]) typed(index, "getBytes", PgType.BYTEA, BYTES);
        return value == null ? null : value.clone();
    }

    public byte[] getBytes(String name) {
        return getBytes(indexOf(name));
    }

    /** uuid. */
    public UUID getUuid(int index) {
        return (UUID) typed(index, "getUuid", PgType.UUID, UUIDS);
    }

    public UUID getUuid(String name) {
        return getUuid(indexOf(name));
    }

    /** date; {@code infinity} is {@link LocalDate#MAX}, {@code -infinity} {@link LocalDate#MIN}. */
    public LocalDate getLocalDate(int index) {
        return (LocalDate) typed(index, "getLocalDate", PgType.DATE, DATES);
    }

    public LocalDate getLocalDate(String name) {
        return getLocalDate(indexOf(name));
    }

    /** time; {@code 24:00:00} is {@link LocalTime#MAX}. */
    public LocalTime getLocalTime(int index) {
        return (LocalTime) typed(index, "getLocalTime", PgType.TIME, TIMES);
    }

    public LocalTime getLocalTime(String name) {
        return getLocalTime(indexOf(name));
    }

    /** timestamp; infinities are {@link LocalDateTime#MAX} and {@link LocalDateTime#MIN}. */
    public LocalDateTime getLocalDateTime(int index) {
        return (LocalDateTime) typed(index, "getLocalDateTime", PgType.TIMESTAMP, TIMESTAMPS);
    }

    public LocalDateTime getLocalDateTime(String name) {
        return getLocalDateTime(indexOf(name));
    }

    /** timestamptz; infinities are {@link Instant#MAX} and {@link Instant#MIN}. */
    public Instant getInstant(int index) {
        OffsetDateTime value = getOffsetDateTime(index);
        return value == null ? null : PgDateTime.toInstant(value);
    }

    public Instant getInstant(String name) {
        return getInstant(indexOf(name));
    }

    /**
     * timestamptz, at offset UTC whatever offset the server printed; infinities are {@link
     * OffsetDateTime#MAX} and {@link OffsetDateTime#MIN}.
     */
    public OffsetDateTime getOffsetDateTime(int index) {
        return (OffsetDateTime) typed(index, "getOffsetDateTime", PgType.TIMESTAMPTZ, TIMESTAMPTZS);
    }

    public OffsetDateTime getOffsetDateTime(String name) {
        return getOffsetDateTime(indexOf(name));
    }

    /**
     * Any of the array types listed in the class description, as an unmodifiable list of
     * converted elements ({@code null} for NULL), one level of nesting per dimension. Arrays of
     * other types are parsed from text into lists of element texts.
     */
    public List<?> getList(int index) {
        return (List<?>) typed(index, "getList", PgType.TEXT_ARRAY, ARRAYS);
    }

    public List<?> getList(String name) {
        return getList(indexOf(name));
    }

    /** At most 32 columns, each value cut to 64 characters. */
    @Override
    public String toString() {
        if (released()) {
            return RELEASED;
        }
        String shown;
        try {
            shown = show();
        } catch (RuntimeException e) {
            if (released()) {
                return RELEASED; // read while the buffer was reused on another thread
            }
            throw e;
        }
        VarHandle.acquireFence();
        return released() ? RELEASED : shown;
    }

    private static final String RELEASED = "{<borrowed row, released when its ChangeListener call returned:"
            + " Row.copy() inside the call keeps one>}";

    private String show() {
        StringBuilder out = new StringBuilder("{");
        int shown = Math.min(size(), MAX_SHOWN_COLUMNS);
        for (int i = 0; i < shown; i++) {
            out.append(i == 0 ? "" : ", ").append(Strings.abbreviate(schema.names().get(i), MAX_SHOWN_CHARS))
                    .append('=').append(show(i));
        }
        if (shown < size()) {
            out.append(", ... ").append(size() - shown).append(" more");
        }
        return out.append('}').toString();
    }

    private String show(int index) {
        switch (kind(index)) {
            case 'n':
                return "null";
            case 'u':
                return "<unchanged toast>";
            case 't':
                // Only the start of a long value is decoded.
                int length = Math.min(valueLength(index), MAX_SHOWN_CHARS * 4);
                String text = new String(data(), valueStart(index), length, StandardCharsets.UTF_8);
                return Strings.abbreviate(text, MAX_SHOWN_CHARS)
                        + (length < valueLength(index) && text.length() <= MAX_SHOWN_CHARS ? "..." : "");
            default:
                if (valueLength(index) > 1024) {
                    return "<" + valueLength(index) + " bytes binary>";
                }
                try {
                    return Strings.abbreviate(getString(index), MAX_SHOWN_CHARS);
                } catch (DecodeException e) {
                    return "<malformed " + valueLength(index) + " bytes binary>";
                }
        }
    }

    /** Checks the index and the kind: false for NULL, an exception for unchanged TOAST. */
    private boolean present(int index) {
        byte kind = kind(index);
        if (kind == 'u') {
            throw new IllegalStateException("Column " + describe(index) + " was not sent because it is an"
                    + " unchanged TOAST value: the Update did not change it and the server does not resend"
                    + " large out-of-line values. It is not null; its value is unknown here. Check"
                    + " isUnchangedToast() first, or run ALTER TABLE " + relation().qualifiedName()
                    + " REPLICA IDENTITY FULL and read it from the Update's oldRow(), which then carries every column.");
        }
        return kind != 'n';
    }

    private Object typed(int index, String getter, PgType parseAs, Set<PgType> accepted) {
        if (!present(index)) {
            return null;
        }
        PgType type = schema.type(index);
        if (type == null || type.isTextOnly()) {
            // A type left as text is read through its text: as sent, or printed from binary as the server prints it.
            if (kind(index) == 't' || type != null) {
                String text = kind(index) == 't' ? text(index) : (String) value(index);
                return convert(index, () -> TextValues.decode(parseAs, text));
            }
            if (accepted == ARRAYS) {
                // An array's binary form names its element type: a list of element texts, as text mode gives.
                return convert(index, () -> BinaryArrays.decodeTexts(data(), valueStart(index), valueLength(index),
                        schema.resolver()));
            }
            throw new IllegalStateException(getter + "() cannot read column " + describe(index)
                    + ": its type is not one pgrepl converts and the value was sent in binary;"
                    + " use getString() for its hex form, or text mode (binary off)");
        }
        if (!accepted.contains(type)) {
            throw new IllegalStateException(getter + "() cannot read column " + describe(index)
                    + "; it reads " + names(accepted) + ". Use getObject() or getString()");
        }
        return value(index);
    }

    /** The converted value, cached. */
    private Object value(int index) {
        Columns columns = columns();
        Object[] values = columns.values;
        if (values != null && values[index] != null) {
            return values[index];
        }
        PgType type = schema.type(index);
        Object value;
        if (type == null) {
            value = kind(index) == 't' ? text(index) : hex(index);
        } else if (kind(index) == 't') {
            value = convert(index, () -> TextValues.decode(type, text(index)));
        } else {
            value = convert(index, () -> BinaryValues.decode(type, data(), valueStart(index), valueLength(index),
                    schema.resolver()));
        }
        if (values == null) {
            values = new Object[size()];
            columns.values = values;
        }
        values[index] = value;
        return value;
    }

    /** Runs a conversion, turning a value its type cannot hold into a DecodeException that says where. */
    private Object convert(int index, Supplier<Object> conversion) {
        try {
            return checked(conversion.get());
        } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
            checkBorrowed(); // bytes of another tuple, read while the buffer was reused: say so, not this
            throw new DecodeException("Malformed " + (kind(index) == 't' ? "text" : "binary") + " value of column "
                    + describe(index) + " in pgoutput " + messageName + " message at byte "
                    + (messageOffset + valueStart(index)) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            checkBorrowed(); // as above
            throw e;
        }
    }

    private String describe(int index) {
        ChangeEvent.Relation.Column column = relation().columns().get(index);
        return "'" + Strings.abbreviate(column.name(), 64) + "' (" + PgType.describe(column.typeOid()) + ") of "
                + relation().qualifiedName();
    }

    private static String names(Set<PgType> types) {
        if (types == ARRAYS) {
            return "array columns";
        }
        StringBuilder out = new StringBuilder();
        for (PgType type : types) {
            out.append(out.length() == 0 ? "" : ", ").append(type.typeName());
        }
        return out.toString();
    }

    private byte kind(int index) {
        int[] starts = columns().starts;
        byte kind = data()[starts[Objects.checkIndex(index, starts.length)]];
        if (tuple instanceof RowLease) {
            VarHandle.acquireFence();
            checkBorrowed();
        }
        return kind;
    }

    private int valueStart(int index) {
        return columns().starts[index] + 5;
    }

    private int valueLength(int index) {
        int at = columns().starts[index] + 1;
        byte[] data = data();
        return (data[at] & 0xFF) << 24 | (data[at + 1] & 0xFF) << 16 | (data[at + 2] & 0xFF) << 8 | data[at + 3] & 0xFF;
    }

    private String text(int index) {
        try {
            return checked(new String(data(), valueStart(index), valueLength(index), StandardCharsets.UTF_8));
        } catch (IndexOutOfBoundsException e) {
            checkBorrowed(); // a length of another tuple, read while the buffer was reused: say so, not this
            throw e;
        }
    }

    private String hex(int index) {
        try {
            return checked(TextFormatter.hex(data(), valueStart(index), valueLength(index)));
        } catch (IndexOutOfBoundsException e) {
            checkBorrowed(); // as in text()
            throw e;
        }
    }
}
