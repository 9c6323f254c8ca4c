package io.github.pgrepl.spring.listener;

import java.util.List;
import java.util.stream.Collectors;

/** Listeners that cannot be bound to their connections (or cannot work at all); each problem says what to do. */
public class ReplicationListenerBindingException extends RuntimeException {

    /**
     * One thing wrong.
     *
     * @param description what is wrong, naming the connection and the beans
     * @param action how to fix it
     */
    public record Problem(String description, String action) {
    }

    private final List<Problem> problems;

    public ReplicationListenerBindingException(List<Problem> problems) {
        super(problems.stream().map(Problem::description).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> getProblems() {
        return problems;
    }
}
