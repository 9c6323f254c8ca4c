package io.github.pgrepl.pgoutput.internal;

import java.util.Arrays;

/**
 * A map from OIDs (unsigned 32-bit ints) to values, without boxing: the decoder looks a relation up for every row it
 * decodes, and a {@code HashMap<Integer, ?>} made an {@code Integer} for each (OIDs of user tables are above the
 * cached small integers). Open addressing with linear probing; no removal but {@link #clear()}. Not thread-safe.
 */
public final class OidMap<V> {

    private int[] keys = new int[16];
    private Object[] values = new Object[16];
    private int size;

    /** The value for {@code oid}, or {@code null}. */
    @SuppressWarnings("unchecked")
    public V get(int oid) {
        int mask = keys.length - 1;
        for (int i = slot(oid, mask); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == oid) {
                return (V) values[i];
            }
        }
        return null;
    }

    /** Maps {@code oid} to {@code value} (not {@code null}), replacing what it mapped to. */
    public void put(int oid, V value) {
        if (value == null) {
            throw new IllegalArgumentException("value must not be null");
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(oid, mask);
        while (values[i] != null && keys[i] != oid) {
            i = (i + 1) & mask;
        }
        if (values[i] == null) {
            size++;
        }
        keys[i] = oid;
        values[i] = value;
    }

    public int size() {
        return size;
    }

    public void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldValues[j] != null) {
                int i = slot(oldKeys[j], mask);
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    private static int slot(int oid, int mask) {
        return (oid * 0x9E3779B9 >>> 16 ^ oid * 0x9E3779B9) & mask; // OIDs are sequential: spread them
    }
}
