package io.github.pgrepl.pgoutput.internal;

/**
 * The built-in types whose values {@code Row} converts to Java objects, by their fixed catalog
 * OIDs (from {@code pg_type.dat}). Every other type, including domains and enums, is left as text.
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
    JSONB_ARRAY(3807, "jsonb[]", JSONB);

    private final int oid;
    private final String typeName;
    private final PgType element;

    PgType(int oid, String typeName) {
        this(oid, typeName, null);
    }

    PgType(int oid, String typeName, PgType element) {
        this.oid = oid;
        this.typeName = typeName;
        this.element = element;
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
