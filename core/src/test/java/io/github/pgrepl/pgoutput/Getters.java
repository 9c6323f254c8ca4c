package io.github.pgrepl.pgoutput;

import java.util.List;
import java.util.function.BiFunction;

/** Every value getter of {@link Row}, by index and by name, for checks that must hold for all. */
final class Getters {

    static final List<BiFunction<Row, Integer, Object>> BY_INDEX = List.of(
            Row::getString, Row::getObject, Row::getBoolean, Row::getShort, Row::getInt, Row::getLong,
            Row::getFloat, Row::getDouble, Row::getBigDecimal, Row::getBytes, Row::getUuid, Row::getLocalDate,
            Row::getLocalTime, Row::getLocalDateTime, Row::getInstant, Row::getOffsetDateTime, Row::getList);

    static final List<BiFunction<Row, String, Object>> BY_NAME = List.of(
            Row::getString, Row::getObject, Row::getBoolean, Row::getShort, Row::getInt, Row::getLong,
            Row::getFloat, Row::getDouble, Row::getBigDecimal, Row::getBytes, Row::getUuid, Row::getLocalDate,
            Row::getLocalTime, Row::getLocalDateTime, Row::getInstant, Row::getOffsetDateTime, Row::getList);

    private Getters() {
    }
}
