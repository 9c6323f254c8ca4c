package io.github.pgrepl.pgoutput;

import io.github.pgrepl.pgoutput.internal.PgType;
import io.github.pgrepl.pgoutput.internal.TypeResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every {@link Row} of one relation shares: column names, their index, and the resolved
 * types. Built once per Relation message so that decoding a row allocates nothing per column.
 */
final class RowSchema {

    private final ChangeEvent.Relation relation;
    private final List<String> names;
    private final PgType[] types;
    private final Map<String, Integer> indexByName;
    private final TypeResolver resolver;

    RowSchema(ChangeEvent.Relation relation, TypeResolver resolver) {
        this.relation = relation;
        this.resolver = resolver;
        List<ChangeEvent.Relation.Column> columns = relation.columns();
        List<String> columnNames = new ArrayList<>(columns.size());
        this.types = new PgType[columns.size()];
        this.indexByName = new HashMap<>(columns.size() * 2);
        for (int i = 0; i < columns.size(); i++) {
            ChangeEvent.Relation.Column column = columns.get(i);
            columnNames.add(column.name());
            types[i] = resolver.resolve(column.typeOid());
            // Names are unique in a table; keep the first in case a malformed message repeats one.
            indexByName.putIfAbsent(column.name(), i);
        }
        this.names = Collections.unmodifiableList(columnNames);
    }

    ChangeEvent.Relation relation() {
        return relation;
    }

    int size() {
        return types.length;
    }

    List<String> names() {
        return names;
    }

    /** The known (or resolved) type of column {@code index}, or {@code null} for types left as text. */
    PgType type(int index) {
        return types[index];
    }

    /** Where domains and enums resolve to, for the elements of arrays of them. */
    TypeResolver resolver() {
        return resolver;
    }

    /** The column's index, or -1. */
    int indexOf(String name) {
        Integer index = indexByName.get(name);
        return index == null ? -1 : index;
    }
}
