package io.zaps.local.bench;

import java.util.Locale;

/**
 * What {@code ./zaps bench} runs: the workflow it creates and the context each trigger sends.
 *
 * <ul>
 *   <li>{@link #ONE_WEBHOOK} (default): one {@code webhook} step POSTing {@code {"n"}} to the sink.</li>
 *   <li>{@link #CONTROL_FLOW}: {@code filter} (paid) → {@code switch} (amount over 100 to the loop, else one
 *       webhook, never taken here) → {@code for_each} over the context's 10 items, all at once
 *       ({@code concurrency} 10), each iteration a child run with one {@code webhook} step POSTing
 *       {@code {"n", "i", "item"}} to the sink. 13 step instances per run: 3 in the run, 1 in each of its 10 child runs.</li>
 * </ul>
 */
enum Workload {
    ONE_WEBHOOK("one-webhook", "one webhook step -> local sink") {
        @Override
        String workflow(String workflowId, String sinkUrl) {
            return """
                    {"id": "%s", "name": "Benchmark", "entry_point": "notify",
                     "steps": [{"id": "notify", "type": "webhook",
                                "config": {"url": "%s", "method": "POST", "body": {"n": "{{ n }}"}}}]}
                    """.formatted(workflowId, sinkUrl);
        }

        @Override
        String triggerBody(long n) {
            return "{\"context\":{\"n\":" + n + "}}";
        }
    },

    CONTROL_FLOW("control-flow", "filter -> switch -> for_each over " + Workload.ITEMS + " items, each a child run with one webhook step -> local sink") {
        @Override
        String workflow(String workflowId, String sinkUrl) {
            return """
                    {"id": "%1$s", "name": "Benchmark control flow", "entry_point": "only_paid",
                     "steps": [
                       {"id": "only_paid", "type": "filter", "config": {"condition": "{{ paid }}"}, "next_step_id": "route"},
                       {"id": "route", "type": "switch", "config": {
                          "cases": [{"when": "{{ amount > 100 }}", "next_step_id": "each"}], "default_next_step_id": "small"}},
                       {"id": "small", "type": "webhook", "config": {"url": "%2$s", "method": "POST", "body": {"n": "{{ n }}"}}},
                       {"id": "each", "type": "for_each", "config": {"items": "{{ items }}", "body": "notify", "concurrency": %3$d}},
                       {"id": "notify", "type": "webhook",
                        "config": {"url": "%2$s", "method": "POST", "body": {"n": "{{ n }}", "i": "{{ index }}", "item": "{{ item }}"}}}]}
                    """.formatted(workflowId, sinkUrl, ITEMS);
        }

        @Override
        String triggerBody(long n) {
            StringBuilder items = new StringBuilder();
            for (int i = 0; i < ITEMS; i++) {
                items.append(i == 0 ? "" : ",").append("\"item-").append(i).append('"');
            }
            return "{\"context\":{\"n\":" + n + ",\"paid\":true,\"amount\":500,\"items\":[" + items + "]}}";
        }
    };

    /** The items the control-flow workload loops over, all iterations at once. */
    static final int ITEMS = 10;

    private final String option;
    private final String description;

    Workload(String option, String description) {
        this.option = option;
        this.description = description;
    }

    /** The workflow definition (JSON) the bench saves, calling {@code sinkUrl}. */
    abstract String workflow(String workflowId, String sinkUrl);

    /** The body of trigger number {@code n}. */
    abstract String triggerBody(long n);

    /** What {@code --workload} names it. */
    String option() {
        return option;
    }

    String description() {
        return description;
    }

    /** Whether its runs start child runs (then the bench counts their steps too). */
    boolean hasChildren() {
        return this == CONTROL_FLOW;
    }

    static Workload parse(String option) {
        for (Workload workload : values()) {
            if (workload.option.equals(option.trim().toLowerCase(Locale.ROOT))) {
                return workload;
            }
        }
        throw new IllegalArgumentException("unknown --workload '" + option + "' (one-webhook or control-flow)");
    }
}
