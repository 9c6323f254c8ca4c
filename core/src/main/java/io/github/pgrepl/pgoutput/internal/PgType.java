package io.github.pgrepl.pgoutput.internal;

/**
 * The built-in types {@code Row} knows, by their fixed catalog OIDs (from {@code pg_type.dat}): those it converts
 * to Java objects, those it leaves as text but can print from their binary form ({@link #isTextOnly()}: oid,
 * interval, inet…), and the arrays of both. Domains and enums resolve to these through the catalog
 * ({@code TypeResolver}); every other type is left as text (binary values of it: {@code \x} hex).
 */
public enum PgType {
    BOOL(16, "bool"),
    BYTEA(17, "bytea"),
    NAME(19, "name"),
    INT8(20, "int8"),
    INT2(21, "int2"),
    INT4(23, "int4"),
    TEXT(25, "text"),
    JSON(114, "json"),
    FLOAT4(700, "float4"),
    FLOAT8(701, "float8"),
    BPCHAR(1042, "bpchar"),
    VARCHAR(1043, "varchar"),
    DATE(1082, "date"),
    TIME(1083, "time"),
    TIMESTAMP(1114, "timestamp"),
    TIMESTAMPTZ(1184, "timestamptz"),
    NUMERIC(1700, "numeric"),
    UUID(2950, "uuid"),
    JSONB(3802, "jsonb"),

    // Left as text: the Java value is the text, printed from the binary form by BinaryText.
    CHAR(18, "\"char\"", null, true),
    OID(26, "oid", null, true),
    XID(28, "xid", null, true),
    CID(29, "cid", null, true),
    CIDR(650, "cidr", null, true),
    MACADDR8(774, "macaddr8", null, true),
    MACADDR(829, "macaddr", null, true),
    INET(869, "inet", null, true),
    INTERVAL(1186, "interval", null, true),
    TIMETZ(1266, "timetz", null, true),
    BIT(1560, "bit", null, true),
    VARBIT(1562, "varbit", null, true),
    PG_LSN(3220, "pg_lsn", null, true),
    XID8(5069, "xid8", null, true),

    BOOL_ARRAY(1000, "bool[]", BOOL),
    BYTEA_ARRAY(1001, "bytea[]", BYTEA),
    NAME_ARRAY(1003, "name[]", NAME),
    INT2_ARRAY(1005, "int2[]", INT2),
    INT4_ARRAY(1007, "int4[]", INT4),
    TEXT_ARRAY(1009, "text[]", TEXT),
    BPCHAR_ARRAY(1014, "bpchar[]", BPCHAR),
    VARCHAR_ARRAY(1015, "varchar[]", VARCHAR),
    INT8_ARRAY(1016, "int8[]", INT8),
    FLOAT4_ARRAY(1021, "float4[]", FLOAT4),
    FLOAT8_ARRAY(1022, "float8[]", FLOAT8),
    NUMERIC_ARRAY(1231, "numeric[]", NUMERIC),
    DATE_ARRAY(1182, "date[]", DATE),
    TIME_ARRAY(1183, "time[]", TIME),
    TIMESTAMP_ARRAY(1115, "timestamp[]", TIMESTAMP),
    TIMESTAMPTZ_ARRAY(1185, "timestamptz[]", TIMESTAMPTZ),
    UUID_ARRAY(2951, "uuid[]", UUID),
    JSON_ARRAY(199, "json[]", JSON),
    JSONB_ARRAY(3807, "jsonb[]", JSONB),
    CHAR_ARRAY(1002, "\"char\"[]", CHAR),
    OID_ARRAY(1028, "oid[]", OID),
    XID_ARRAY(1011, "xid[]", XID),
    CID_ARRAY(1012, "cid[]", CID),
    CIDR_ARRAY(651, "cidr[]", CIDR),
    MACADDR8_ARRAY(775, "macaddr8[]", MACADDR8),
    MACADDR_ARRAY(1040, "macaddr[]", MACADDR),
    INET_ARRAY(1041, "inet[]", INET),
    INTERVAL_ARRAY(1187, "interval[]", INTERVAL),
    TIMETZ_ARRAY(1270, "timetz[]", TIMETZ),
    BIT_ARRAY(1561, "bit[]", BIT),
    VARBIT_ARRAY(1563, "varbit[]", VARBIT),
    PG_LSN_ARRAY(3221, "pg_lsn[]", PG_LSN),
    XID8_ARRAY(271, "xid8[]", XID8);

    private final int oid;
    private final String typeName;
    private final PgType element;
    private final boolean textOnly;

    PgType(int oid, String typeName) {
        this(oid, typeName, null, false);
    }

    PgType(int oid, String typeName, PgType element) {
        this(oid, typeName, element, false);
    }

    PgType(int oid, String typeName, PgType element, boolean textOnly) {
        this.oid = oid;
        this.typeName = typeName;
        this.element = element;
        this.textOnly = textOnly;
    }

    public int oid() {
        return oid;
    }

    /** The name PostgreSQL's {@code format_type} would show, e.g. {@code int4[]}. */
    public String typeName() {
        return typeName;
    }

    public boolean isArray() {
        return element != null;
    }

    /** The element type of an array type, or {@code null}. */
    public PgType element() {
        return element;
    }

    /**
     * True for the types left as text although pgrepl knows them: their Java value is the text, and typed getters
     * parse it, as for a type pgrepl does not know; but a binary value prints as the server prints the text.
     */
    public boolean isTextOnly() {
        return textOnly;
    }

    /** The array type whose elements are this type, or {@code null}. */
    public PgType arrayType() {
        for (PgType type : VALUES) {
            if (type.element == this) {
                return type;
            }
        }
        return null;
    }

    /** True for the types whose Java value is the text itself. */
    public boolean isTextual() {
        return this == TEXT || this == VARCHAR || this == BPCHAR || this == NAME || this == JSON || this == JSONB;
    }

    /** The known type with this OID, or {@code null}. */
    public static PgType of(int oid) {
        for (PgType type : VALUES) {
            if (type.oid == oid) {
                return type;
            }
        }
        return null;
    }

    /** A readable name for any OID, for error messages. */
    public static String describe(int oid) {
        PgType type = of(oid);
        return type == null ? "type OID " + Integer.toUnsignedString(oid) : type.typeName + " (OID " + oid + ")";
    }

    private static final PgType[] VALUES = values();
}
