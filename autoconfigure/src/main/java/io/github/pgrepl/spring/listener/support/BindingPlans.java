package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.Row;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionService;

/**
 * The {@link BindingPlan}s of a {@link RowBinder}, by target type and by the columns of the row's relation: a plan is
 * made once per (type, column names and types), and a Relation message that changes the columns (an {@code ALTER
 * TABLE}: a column added, dropped, renamed, retyped) gets a plan of its own on its first row. The rows of one Relation
 * message share its instance, so the plan of the last relation is found by identity; any thread may bind.
 */
final class BindingPlans {

    /** Plans kept per type: a table altered more often than this only costs planning again. */
    private static final int MAX_SHAPES_PER_TYPE = 64;

    private final ConversionService conversionService;
    private final Map<ResolvableType, PlansOfType> byType = new ConcurrentHashMap<>();
    private volatile PlansOfType last;

    BindingPlans(ConversionService conversionService) {
        this.conversionService = conversionService;
    }

    /** The plan for {@code row} into {@code type}. */
    BindingPlan plan(ResolvableType type, Row row) {
        PlansOfType plans = last;
        if (plans == null || plans.type != type) {
            plans = byType.computeIfAbsent(type, PlansOfType::new);
            last = plans;
        }
        return plans.plan(row);
    }

    /** How many plans exist for {@code type}; for tests. */
    int size(ResolvableType type) {
        PlansOfType plans = byType.get(type);
        return plans == null ? 0 : plans.byColumns.size();
    }

    /** One type's plans, by the relation's columns (names, types, key flags: a Relation's {@code Column}s). */
    private final class PlansOfType {

        final ResolvableType type;
        final Map<List<Relation.Column>, BindingPlan> byColumns = new ConcurrentHashMap<>();
        private volatile Planned last;

        PlansOfType(ResolvableType type) {
            this.type = type;
        }

        BindingPlan plan(Row row) {
            Relation relation = row.relation();
            Planned planned = last;
            if (planned == null || planned.relation != relation) {
                if (byColumns.size() >= MAX_SHAPES_PER_TYPE) {
                    byColumns.clear();
                }
                BindingPlan plan = byColumns.computeIfAbsent(relation.columns(),
                        columns -> BindingPlan.of(type, row.columnNames(), conversionService));
                planned = new Planned(relation, plan);
                last = planned;
            }
            return planned.plan;
        }
    }

    /** A Relation message's instance and its plan. */
    private record Planned(Relation relation, BindingPlan plan) {
    }
}
