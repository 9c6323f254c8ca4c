package io.github.pgrepl.pgoutput;

/** Whole pgoutput messages for tests. */
final class Messages {

    /** A column for {@link #relation}. */
    record Col(String name, int typeOid, boolean key) {
        static Col key(String name, int typeOid) {
            return new Col(name, typeOid, true);
        }

        static Col of(String name, int typeOid) {
            return new Col(name, typeOid, false);
        }
    }

    static final int INT4 = 23;
    static final int TEXT = 25;

    private Messages() {
    }

    static Wire relation(int oid, String namespace, String name, Col... columns) {
        return relationBody(Wire.message('R'), oid, namespace, name, columns);
    }

    static Wire relationInStream(int xid, int oid, String namespace, String name, Col... columns) {
        return relationBody(Wire.message('R').int32(xid), oid, namespace, name, columns);
    }

    private static Wire relationBody(Wire out, int oid, String namespace, String name, Col... columns) {
        out.int32(oid).string(namespace).string(name).int8('d').int16(columns.length);
        for (Col column : columns) {
            out.int8(column.key() ? 1 : 0).string(column.name()).int32(column.typeOid()).int32(-1);
        }
        return out;
    }

    static Wire insert(int oid, Object... values) {
        return Wire.message('I').int32(oid).int8('N').tuple(values);
    }
}
