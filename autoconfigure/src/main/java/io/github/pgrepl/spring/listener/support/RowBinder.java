package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeBindingException;
import io.github.pgrepl.spring.listener.ChangeMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.beans.BeanInstantiationException;
import org.springframework.beans.BeanWrapper;
import org.springframework.beans.MethodInvocationException;
import org.springframework.beans.MutablePropertyValues;
import org.springframework.beans.PropertyAccessorFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.support.ConfigurableConversionService;
import org.springframework.validation.BindingResult;
import org.springframework.validation.DataBinder;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Maps a {@link Row} to a listener's type through Spring's own binding: {@link DataBinder} constructor binding (records,
 * classes with a constructor) and then setters, with a value resolver over the row's columns and a
 * {@link ConversionService} for the types. What the DataBinder would decide for a type and a relation's columns (the
 * constructor, the column of each parameter, the setters, their type descriptors) is worked out once into a
 * {@link BindingPlan}; a row that binds cleanly goes through the plan, with the same conversions, and any other row
 * through the DataBinder itself, which reports what is wrong. What the type's constructor or a setter throws is
 * reported as it is, never by binding the row again (which would run the type's code twice). {@code Map<String, Object>} gets every column, {@link Row} the row itself.
 * What cannot be bound fails with a {@link ChangeBindingException} that names the column and the fix; an unchanged
 * TOAST value never becomes a silent null.
 */
public class RowBinder implements ChangeMapper {

    private final ConversionService conversionService;
    private final BindingPlans plans;

    /**
     * @param conversionService converts column values to property types; the binder adds the converter of
     *     {@code ColumnValue<T>} to it, so give it one of its own
     */
    public RowBinder(ConfigurableConversionService conversionService) {
        conversionService.addConverter(new ColumnValueConverter(conversionService));
        this.conversionService = conversionService;
        this.plans = new BindingPlans(conversionService);
    }

    /** A binder with Spring Boot's application conversions. */
    public static RowBinder withDefaultConversions() {
        return new RowBinder(new ApplicationConversionService());
    }

    public ConversionService conversionService() {
        return conversionService;
    }

    @Override
    public <T> Change<T> map(Change<Row> change, Class<T> type) {
        @SuppressWarnings("unchecked")
        Change<T> mapped = (Change<T>) map(change, ResolvableType.forClass(type));
        return mapped;
    }

    /** The change with its rows bound to {@code type}; the new row takes unchanged TOAST values from a full old row. */
    public Change<?> map(Change<Row> change, ResolvableType type) {
        Object before = change.before() == null ? null : bind(change.before(), null, type);
        Object after = change.after() == null ? null : bind(change.after(), change.before(), type);
        return change.withRows(before, after);
    }

    /**
     * Binds {@code row} to {@code type}.
     *
     * @param fallback the old row of an update, whose values stand in for the unchanged TOAST values of {@code row}; or
     *     {@code null}
     * @throws ChangeBindingException when the row does not fit the type
     */
    public Object bind(Row row, Row fallback, ResolvableType type) {
        Class<?> target = type.resolve(Object.class);
        if (target == Row.class) {
            return row;
        }
        if (Map.class.isAssignableFrom(target)) {
            return bindMap(row, fallback, type);
        }
        Object bound;
        try {
            bound = plans.plan(type, row).bind(row, fallback);
        } catch (BeanInstantiationException e) {
            throw failure(row, target, List.of(), List.of(), e); // what the DataBinder's construct() ends in
        } catch (MethodInvocationException e) {
            throw new ChangeBindingException(prefix(row, target) + setterThrew(row, e), e.getCause());
        }
        return bound != BindingPlan.UNBOUND ? bound : bindWithDataBinder(row, fallback, type, target);
    }

    /** Binds {@code row} as the plan cannot: with everything the DataBinder checks and reports. */
    private Object bindWithDataBinder(Row row, Row fallback, ResolvableType type, Class<?> target) {
        RowValueResolver values = new RowValueResolver(row, fallback, target.getSimpleName());
        DataBinder binder = new DataBinder(null, target.getSimpleName());
        binder.setTargetType(type);
        binder.setConversionService(conversionService);
        try {
            binder.construct(values);
        } catch (RuntimeException e) {
            throw failure(row, target, values.problems(), List.of(), e);
        }
        check(row, target, values, binder.getBindingResult());
        Object bound = binder.getTarget();
        MutablePropertyValues setters = setterValues(bound, row, values);
        if (!setters.isEmpty()) {
            binder.bind(setters);
            check(row, target, values, binder.getBindingResult());
        }
        return bound;
    }

    /** The plans, by type and relation; for tests. */
    BindingPlans plans() {
        return plans;
    }

    /** The columns that have a writable property (a setter) by their name in camel case or as is. */
    private static MutablePropertyValues setterValues(Object bound, Row row, RowValueResolver values) {
        MutablePropertyValues setters = new MutablePropertyValues();
        BeanWrapper properties = PropertyAccessorFactory.forBeanPropertyAccess(bound);
        List<String> columns = row.columnNames();
        for (int i = 0; i < columns.size(); i++) {
            String property = properties.isWritableProperty(columns.get(i)) ? columns.get(i) : camelCase(columns.get(i));
            if (properties.isWritableProperty(property)) {
                setters.add(property, values.value(i, property, properties.getPropertyType(property)));
            }
        }
        return setters;
    }

    private Map<String, Object> bindMap(Row row, Row fallback, ResolvableType type) {
        ResolvableType valueType = type.asMap().getGeneric(1);
        Class<?> valueClass = valueType.resolve(Object.class);
        RowValueResolver values = new RowValueResolver(row, fallback, "Map");
        Map<String, Object> map = new LinkedHashMap<>();
        List<String> columns = row.columnNames();
        for (int i = 0; i < columns.size(); i++) {
            Object value = values.value(i, columns.get(i), valueClass);
            if (value != null && valueClass != Object.class) {
                value = conversionService.convert(value, TypeDescriptor.forObject(value), new TypeDescriptor(valueType, null, null));
            }
            map.put(columns.get(i), value);
        }
        if (!values.problems().isEmpty()) {
            throw failure(row, Map.class, values.problems(), List.of(), null);
        }
        return map;
    }

    private static void check(Row row, Class<?> target, RowValueResolver values, BindingResult result) {
        if (!values.problems().isEmpty() || result.hasErrors()) {
            // A setter's exception is the cause: the listener's error handler may want to tell it from the others.
            Throwable thrown = result.getAllErrors().stream().filter(error -> error.contains(MethodInvocationException.class))
                    .map(error -> error.unwrap(MethodInvocationException.class).getCause()).findFirst().orElse(null);
            throw failure(row, target, values.problems(), result.getAllErrors(), thrown);
        }
    }

    private static ChangeBindingException failure(Row row, Class<?> target, List<String> problems, List<ObjectError> errors,
                                                  Throwable cause) {
        StringBuilder message = new StringBuilder(prefix(row, target));
        String details = problems.stream().collect(Collectors.joining("; "));
        String more = errors.stream().map(error -> describe(row, error)).collect(Collectors.joining("; "));
        message.append(details).append(details.isEmpty() || more.isEmpty() ? "" : "; ").append(more);
        Throwable thrown = constructorThrew(cause);
        if (details.isEmpty() && more.isEmpty() && thrown != null) {
            return new ChangeBindingException(message.append("its constructor threw ").append(thrown).toString(), thrown);
        }
        if (details.isEmpty() && more.isEmpty() && cause != null) {
            message.append(cause.getMessage());
        }
        return new ChangeBindingException(message.toString(), cause);
    }

    private static String prefix(Row row, Class<?> target) {
        return "Cannot bind a row of " + row.relation().qualifiedName() + " to " + target.getName() + ": ";
    }

    /**
     * What the type's constructor threw, when {@code failure} is Spring's report of that (the exception of
     * {@code BeanUtils.instantiateClass}, which both the plan and the DataBinder call), or {@code null}.
     */
    private static Throwable constructorThrew(Throwable failure) {
        return failure instanceof BeanInstantiationException instantiation && instantiation.getConstructor() != null
                && instantiation.getMessage().endsWith("Constructor threw exception") ? instantiation.getCause() : null;
    }

    /** A setter's exception, by its property and column, as the plan and the DataBinder both report it. */
    private static String setterThrew(Row row, MethodInvocationException e) {
        ChangeEvent.Relation.Column column = columnOf(row, e.getPropertyName());
        return "property '" + e.getPropertyName() + "'" + (column == null ? "" : " (column " + column + ")")
                + ": its setter threw " + e.getCause();
    }

    private static String describe(Row row, ObjectError error) {
        if (error.contains(MethodInvocationException.class)) {
            return setterThrew(row, error.unwrap(MethodInvocationException.class));
        }
        if (error instanceof FieldError field && error.contains(TypeMismatchException.class)) {
            TypeMismatchException mismatch = error.unwrap(TypeMismatchException.class);
            Throwable cause = mismatch.getMostSpecificCause();
            ChangeEvent.Relation.Column column = columnOf(row, field.getField());
            String required = mismatch.getRequiredType() == null ? "its type" : mismatch.getRequiredType().getName();
            return "property '" + field.getField() + "'" + (column == null ? "" : " (column " + column + ")")
                    + " cannot take " + (field.getRejectedValue() == null ? "null"
                    : "the value of type " + field.getRejectedValue().getClass().getName()) + ": " + cause.getMessage()
                    + ". Declare the property as a type that value converts to (String takes any column), or register a"
                    + " Converter to " + required;
        }
        return (error instanceof FieldError field ? "property '" + field.getField() + "': " : "") + error.getDefaultMessage();
    }

    /** The column a property was bound from (same name, or its camel case), or {@code null}. */
    private static ChangeEvent.Relation.Column columnOf(Row row, String property) {
        for (ChangeEvent.Relation.Column column : row.relation().columns()) {
            if (column.name().equals(property) || camelCase(column.name()).equals(property)) {
                return column;
            }
        }
        return null;
    }

    /** {@code created_at} to {@code createdAt}. */
    static String camelCase(String column) {
        StringBuilder out = new StringBuilder(column.length());
        boolean upper = false;
        for (int i = 0; i < column.length(); i++) {
            char c = column.charAt(i);
            if (c == '_') {
                upper = out.length() > 0;
            } else {
                out.append(upper ? Character.toUpperCase(c) : out.length() == 0 ? Character.toLowerCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
