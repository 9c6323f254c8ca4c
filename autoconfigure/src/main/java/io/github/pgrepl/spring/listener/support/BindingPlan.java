package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.Row;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.beans.BeanInstantiationException;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.BeanWrapper;
import org.springframework.beans.PropertyAccessorFactory;
import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.util.ReflectionUtils;
import org.springframework.validation.DataBinder;

/**
 * How the rows of one relation's columns bind to one type, worked out once instead of per row: the constructor that
 * Spring's {@link DataBinder} would choose, the column of each of its parameters, the setters that the columns left
 * over reach, and each one's {@link TypeDescriptor}. Binding a row then reads each column and hands it to the
 * {@link ConversionService} with those descriptors, the same conversions the DataBinder makes, without building a
 * binder, a binding result, a bean wrapper and their descriptors for every row.
 *
 * <p>It binds only rows that bind cleanly. Whatever else (a value the service cannot convert or fails on, a NULL into a
 * primitive, an unchanged TOAST value, a setter that throws) makes {@link #bind} return {@link #UNBOUND}, and the
 * {@link RowBinder} binds that row with the DataBinder, which reports it as before. So does every row of a type the
 * plan does not cover (a constructor parameter without a column, column names with {@code .} or {@code [} that the
 * DataBinder reads as paths, Kotlin classes, {@code Optional} itself).
 *
 * <p>Immutable but for what the first rows teach it (the setters, from the first instance; the source type of each
 * column's values), which is published safely and the same whichever thread learns it.
 */
final class BindingPlan {

    /** What {@link #bind} returns for a row that the DataBinder must bind. */
    static final Object UNBOUND = RowValueResolver.UNBOUND;

    private final Class<?> target;
    private final ConversionService conversionService;
    private final List<String> columns;
    /** {@code null}: the DataBinder binds every row. */
    private final Constructor<?> constructor;
    private final Slot[] parameters;
    /** The setters, from the first instance; {@code null} until then. */
    private volatile Slot[] setters;
    /** Whether the setters cannot be planned (two columns for one property): the DataBinder binds every row. */
    private volatile boolean settersUnplanned;

    private BindingPlan(Class<?> target, ConversionService conversionService, List<String> columns,
                        Constructor<?> constructor, Slot[] parameters) {
        this.target = target;
        this.conversionService = conversionService;
        this.columns = columns;
        this.constructor = constructor;
        this.parameters = parameters;
    }

    /** The plan for rows with {@code columns} into {@code type} (neither a {@code Map} nor a {@code Row}). */
    static BindingPlan of(ResolvableType type, List<String> columns, ConversionService conversionService) {
        Class<?> target = type.resolve(Object.class);
        BindingPlan unplanned = new BindingPlan(target, conversionService, columns, null, null);
        if (target == Optional.class || KotlinDetector.isKotlinType(target) || columns.stream().anyMatch(BindingPlan::isPath)) {
            return unplanned;
        }
        Constructor<?> constructor;
        String[] names;
        try {
            constructor = BeanUtils.getResolvableConstructor(target);
            names = constructor.getParameterCount() == 0 ? new String[0] : BeanUtils.getParameterNames(constructor);
        } catch (RuntimeException e) {
            return unplanned; // the DataBinder fails on it, with its message
        }
        Map<String, Integer> byLooseName = RowValueResolver.looseNames(columns);
        Slot[] parameters = new Slot[names.length];
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null) {
                return unplanned;
            }
            MethodParameter parameter = MethodParameter.forFieldAwareConstructor(constructor, i, names[i]);
            Class<?> parameterType = parameter.getParameterType();
            int column = RowValueResolver.column(columns, byLooseName, names[i]);
            if (column < 0 && parameterType != Optional.class) {
                return unplanned; // no column: the DataBinder's path says so, for every row
            }
            // A parameter without a column, or a NULL, is what the DataBinder makes of no value: empty or null.
            parameters[i] = new Slot(column, parameterType, new TypeDescriptor(parameter), null);
        }
        return new BindingPlan(target, conversionService, columns, constructor, parameters);
    }

    /** A column name that the DataBinder and bean wrapper read as a nested or indexed path. */
    private static boolean isPath(String column) {
        return column.indexOf('.') >= 0 || column.indexOf('[') >= 0;
    }

    /**
     * {@code row} bound to the type, or {@link #UNBOUND} when the DataBinder must bind it.
     *
     * @param fallback the old row of an update, whose values stand in for unchanged TOAST values; or {@code null}
     * @throws BeanInstantiationException when the constructor fails, as the DataBinder's would
     */
    Object bind(Row row, Row fallback) {
        if (constructor == null || settersUnplanned) {
            return UNBOUND;
        }
        Object[] arguments = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            Object value = parameters[i].value(row, fallback, conversionService);
            if (value == UNBOUND) {
                return UNBOUND;
            }
            arguments[i] = value;
        }
        Object bound = BeanUtils.instantiateClass(constructor, arguments);
        Slot[] properties = setters;
        if (properties == null) {
            properties = planSetters(bound);
            if (properties == null) {
                return UNBOUND;
            }
        }
        for (Slot setter : properties) {
            Object value = setter.value(row, fallback, conversionService);
            if (value == UNBOUND) {
                return UNBOUND;
            }
            try {
                ReflectionUtils.makeAccessible(setter.writeMethod);
                setter.writeMethod.invoke(bound, value);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return UNBOUND; // the DataBinder binds the row again and reports what failed
            }
        }
        return bound;
    }

    /**
     * The writable properties the columns reach (by name as is, or in camel case), as the {@link RowBinder} finds them
     * through a bean wrapper on the first instance; {@code null} when two columns reach the same property.
     */
    private Slot[] planSetters(Object bound) {
        BeanWrapper properties = PropertyAccessorFactory.forBeanPropertyAccess(bound);
        List<Slot> slots = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < columns.size(); i++) {
            String column = columns.get(i);
            String property = properties.isWritableProperty(column) ? column : RowBinder.camelCase(column);
            if (!properties.isWritableProperty(property)) {
                continue;
            }
            if (!seen.add(property)) {
                settersUnplanned = true;
                return null;
            }
            Method writeMethod = BeanUtils.getPropertyDescriptor(target, property).getWriteMethod();
            slots.add(new Slot(i, properties.getPropertyType(property), properties.getPropertyTypeDescriptor(property),
                    writeMethod));
        }
        Slot[] planned = slots.toArray(Slot[]::new);
        setters = planned;
        return planned;
    }

    /** Whether rows go through the compiled path (else always the DataBinder); for tests. */
    boolean isCompiled() {
        return constructor != null && !settersUnplanned;
    }

    /** A constructor parameter or a setter: its column and how its values convert. */
    private static final class Slot {

        final int column;
        final Class<?> type;
        final TypeDescriptor targetType;
        /** The setter; {@code null} for a constructor parameter. */
        final Method writeMethod;
        /** What the last value's class converts with; learned from the first value, replaced when the class changes. */
        private volatile Conversion conversion;

        Slot(int column, Class<?> type, TypeDescriptor targetType, Method writeMethod) {
            this.column = column;
            this.type = type;
            this.targetType = targetType;
            this.writeMethod = writeMethod;
        }

        Object value(Row row, Row fallback, ConversionService conversionService) {
            Object value = column < 0 ? null : RowValueResolver.read(row, fallback, column, type);
            if (value == UNBOUND) {
                return UNBOUND;
            }
            if (value == null) {
                return type == Optional.class ? Optional.empty() : null; // the DataBinder's and bean wrapper's null
            }
            Conversion current = conversion;
            if (current == null || current.sourceClass != value.getClass()) {
                TypeDescriptor sourceType = TypeDescriptor.forObject(value);
                current = new Conversion(value.getClass(), sourceType, conversionService.canConvert(sourceType, targetType));
                conversion = current;
            }
            if (!current.convertible) {
                return UNBOUND; // the DataBinder's property editors may still convert it, or it names the mismatch
            }
            try {
                return conversionService.convert(value, current.sourceType, targetType);
            } catch (RuntimeException e) {
                return UNBOUND;
            }
        }
    }

    /** Values of {@code sourceClass}: their descriptor, and whether the service converts them to the slot's type. */
    private record Conversion(Class<?> sourceClass, TypeDescriptor sourceType, boolean convertible) {
    }
}
