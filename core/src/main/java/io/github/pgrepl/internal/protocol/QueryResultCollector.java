package io.github.pgrepl.internal.protocol;

import io.github.pgrepl.QueryResult;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Gathers RowDescription, DataRow and CommandComplete messages of one simple query into results. */
public final class QueryResultCollector {

    private final List<QueryResult> results = new ArrayList<>(1);
    private List<String> columns = List.of();
    private List<List<String>> rows = new ArrayList<>();

    public void rowDescription(ByteBuf body) {
        int count = body.readUnsignedShort();
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(FrontendMessages.readCString(body));
            body.skipBytes(18); // table OID, column number, type OID, type length, type modifier, format
        }
        columns = names;
    }

    public void dataRow(ByteBuf body) {
        int count = body.readUnsignedShort();
        List<String> row = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = body.readInt();
            if (length < 0) {
                row.add(null);
            } else {
                row.add(body.toString(body.readerIndex(), length, StandardCharsets.UTF_8));
                body.skipBytes(length);
            }
        }
        rows.add(row);
    }

    public void commandComplete(ByteBuf body) {
        results.add(new QueryResult(FrontendMessages.readCString(body), columns, rows));
        columns = List.of();
        rows = new ArrayList<>();
    }

    public List<QueryResult> results() {
        return results;
    }
}
