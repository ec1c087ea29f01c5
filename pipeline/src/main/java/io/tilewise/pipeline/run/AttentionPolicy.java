package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which attention method runs at (layer, step, branch), parsed from a string.
 *
 * <h2>Grammar</h2>
 * <pre>
 *   policy    := part (';' part)*          with at least one rule
 *   part      := rule | option
 *   option    := 'nonfinite=' ('fail' | 'dense')
 *   rule      := method-spec ['@' condition (',' condition)*]
 *   condition := variable op value
 *   variable  := step | steps | layer | layers | branch
 *   op        := '&lt;' | '&lt;=' | '&gt;' | '&gt;=' | '='
 *   value     := integer (for &lt;, &lt;=, &gt;, &gt;=)
 *              | item (',' item)*  with item := integer | integer '..' integer  (for '=' on step/layer; inclusive)
 *              | cond | uncond                                             (for '=' on branch)
 * </pre>
 * {@code method-spec} is the attention-ops grammar ({@code name[:key=value,…]}, see {@link MethodSpec}); it ends at
 * the {@code @}. Steps are 0-based denoising steps, layers are block indices.
 *
 * <h2>Meaning</h2>
 * Rules are tried in order; the first whose conditions all hold gives the method. Within one rule, conditions on
 * the <em>same</em> variable are alternatives (OR) and conditions on different variables must all hold (AND):
 * {@code dense@steps<2,steps>=18} is "the first two or the steps from 18 on", {@code dense@layers=0,1,steps<4} is
 * "layers 0 and 1 during the first four steps". A rule without {@code @} always matches and must be the last; when
 * the last rule has conditions, an implicit final {@code dense} catches the rest. Examples:
 * {@code dense@steps<4;radial:decay=0.2} and {@code dense@layers=0,1;dense@steps<2,steps>=18;gna:window=8x8x8}.
 *
 * <p>{@code nonfinite} says what a NaN or infinity in a method's <em>output</em> (its inputs finite) does:
 * {@code fail} (the default) stops the generation with one line naming layer, step, branch and position;
 * {@code dense} runs dense attention for that call instead and records a warning. NaN in the inputs always stops
 * it (dense cannot repair them). Example: {@code nonfinite=dense;dense@steps<4;radial:decay=0.2}.
 *
 * <p>Every method spec is built into a kernel when the policy is parsed, so parameter errors surface then. Errors
 * are {@link SpecException}s: one line naming the rule and the bad part.
 */
public final class AttentionPolicy {

    private static final Pattern CONDITION = Pattern.compile("(steps?|layers?|branch)\\s*(<=|>=|<|>|=)\\s*(\\S.*)");
    private static final Pattern INTEGER = Pattern.compile("\\d+");
    private static final Pattern RANGE = Pattern.compile("(\\d+)\\s*\\.\\.\\s*(\\d+)");
    private static final Pattern OPTION = Pattern.compile("nonfinite\\s*=\\s*(\\S*)", Pattern.CASE_INSENSITIVE);

    /** What a non-finite attention output does (see the class comment). */
    public enum NonFinite { FAIL, DENSE }

    private enum Variable { STEP, LAYER, BRANCH }

    /** One condition: {@code variable op bound}, or membership in a list of inclusive ranges / branches. */
    public record Condition(Variable variable, String op, int bound, List<int[]> ranges, Set<Branch> branches) {

        boolean holds(int layer, int step, Branch branch) {
            if (variable == Variable.BRANCH) return branches.contains(branch);
            int value = variable == Variable.STEP ? step : layer;
            return switch (op) {
                case "<" -> value < bound;
                case "<=" -> value <= bound;
                case ">" -> value > bound;
                case ">=" -> value >= bound;
                default -> ranges.stream().anyMatch(r -> value >= r[0] && value <= r[1]);
            };
        }

        @Override
        public String toString() {
            String name = variable.name().toLowerCase(Locale.ROOT);
            if (variable == Variable.BRANCH) {
                return name + "=" + String.join(",", branches.stream().map(b -> b.name().toLowerCase(Locale.ROOT)).toList());
            }
            if (!op.equals("=")) return name + op + bound;
            return name + "=" + String.join(",", ranges.stream().map(r -> r[0] == r[1] ? "" + r[0] : r[0] + ".." + r[1]).toList());
        }
    }

    /** A rule: a method spec, its kernel, and its conditions (empty = always). */
    public record Rule(MethodSpec spec, AttentionKernel kernel, List<Condition> conditions) {

        public boolean matches(int layer, int step, Branch branch) {
            Map<Variable, Boolean> any = new LinkedHashMap<>();
            for (Condition c : conditions) any.merge(c.variable(), c.holds(layer, step, branch), Boolean::logicalOr);
            return !any.containsValue(false);
        }

        @Override
        public String toString() {
            return conditions.isEmpty() ? spec.toString()
                    : spec + "@" + String.join(",", conditions.stream().map(Condition::toString).toList());
        }
    }

    private final List<Rule> rules;
    private final NonFinite nonFinite;

    private AttentionPolicy(List<Rule> rules, NonFinite nonFinite) {
        this.rules = List.copyOf(rules);
        this.nonFinite = nonFinite;
    }

    /** Parses with the registered methods ({@link AttentionMethods}). */
    public static AttentionPolicy parse(String text) {
        return parse(text, AttentionMethods::create);
    }

    /** Parses with a custom kernel factory (e.g. a wrapper that counts or probes calls). */
    public static AttentionPolicy parse(String text, Function<MethodSpec, AttentionKernel> kernels) {
        if (text == null || text.isBlank()) {
            throw new SpecException("attention policy is empty; expected e.g. dense or dense@steps<4;radial:decay=0.2");
        }
        List<Rule> rules = new ArrayList<>();
        NonFinite nonFinite = null;
        String[] parts = text.split(";", -1);
        for (int i = 0; i < parts.length; i++) {
            String ruleText = parts[i].trim();
            if (ruleText.isEmpty()) throw new SpecException("attention policy '" + text + "': rule " + (i + 1) + " is empty");
            Matcher option = OPTION.matcher(ruleText);
            if (option.matches()) {
                if (nonFinite != null) throw new SpecException("attention policy '" + text + "': nonfinite is given twice");
                nonFinite = nonFinite(option.group(1));
                continue;
            }
            if (!rules.isEmpty() && rules.getLast().conditions().isEmpty()) {
                throw new SpecException("attention policy rule '" + ruleText + "' can never apply: the rule before it, '"
                        + rules.getLast() + "', has no condition (only the last rule may be unconditional)");
            }
            rules.add(parseRule(ruleText, kernels));
        }
        if (rules.isEmpty()) throw new SpecException("attention policy '" + text + "' has no rule; expected e.g. nonfinite=dense;radial");
        if (!rules.getLast().conditions().isEmpty()) {
            rules.add(new Rule(MethodSpec.parse("dense"), kernels.apply(MethodSpec.parse("dense")), List.of()));
        }
        return new AttentionPolicy(rules, nonFinite == null ? NonFinite.FAIL : nonFinite);
    }

    /** A policy that runs one method everywhere. */
    public static AttentionPolicy uniform(AttentionKernel kernel) {
        return new AttentionPolicy(List.of(new Rule(MethodSpec.parse(kernel.spec()), kernel, List.of())), NonFinite.FAIL);
    }

    private static NonFinite nonFinite(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "fail" -> NonFinite.FAIL;
            case "dense" -> NonFinite.DENSE;
            default -> throw new SpecException("attention policy option nonfinite=" + value + " is not allowed; expected fail or dense");
        };
    }

    /** What a NaN or infinity in a method's output does. */
    public NonFinite nonFinite() {
        return nonFinite;
    }

    /** The first rule whose conditions hold (there always is one: the last rule is unconditional). */
    public Rule ruleFor(int layer, int step, Branch branch) {
        for (Rule r : rules) {
            if (r.matches(layer, step, branch)) return r;
        }
        throw new IllegalStateException("unreachable: the last rule is unconditional");
    }

    public AttentionKernel kernelFor(int layer, int step, Branch branch) {
        return ruleFor(layer, step, branch).kernel();
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Canonical text; parsing it gives an equivalent policy. */
    @Override
    public String toString() {
        String text = String.join(";", rules.stream().map(Rule::toString).toList());
        return nonFinite == NonFinite.FAIL ? text : "nonfinite=" + nonFinite.name().toLowerCase(Locale.ROOT) + ";" + text;
    }

    private static Rule parseRule(String ruleText, Function<MethodSpec, AttentionKernel> kernels) {
        int at = ruleText.indexOf('@');
        String specText = (at < 0 ? ruleText : ruleText.substring(0, at)).trim();
        MethodSpec spec;
        AttentionKernel kernel;
        try {
            spec = MethodSpec.parse(specText);
            kernel = kernels.apply(spec);
        } catch (SpecException e) {
            throw new SpecException("attention policy rule '" + ruleText + "': " + e.getMessage());
        }
        if (at < 0) return new Rule(spec, kernel, List.of());
        String conditions = ruleText.substring(at + 1).trim();
        if (conditions.isEmpty()) throw new SpecException("attention policy rule '" + ruleText + "' has '@' but no condition");
        List<Condition> parsed = new ArrayList<>();
        for (String token : conditions.split(",", -1)) {
            String part = token.trim();
            Matcher m = CONDITION.matcher(part);
            if (m.matches()) {
                parsed.add(condition(ruleText, part, m.group(1), m.group(2), m.group(3).trim()));
            } else if (!parsed.isEmpty() && parsed.getLast().op().equals("=") && !part.isEmpty()) {
                parsed.set(parsed.size() - 1, extend(ruleText, parsed.getLast(), part));
            } else {
                throw new SpecException("attention policy rule '" + ruleText + "': condition '" + part
                        + "' must be steps, layers or branch followed by <, <=, >, >= or = and a value (e.g. steps<4, layers=0,1, branch=uncond)");
            }
        }
        return new Rule(spec, kernel, List.copyOf(parsed));
    }

    private static Condition condition(String rule, String part, String name, String op, String value) {
        Variable variable = name.startsWith("step") ? Variable.STEP : name.startsWith("layer") ? Variable.LAYER : Variable.BRANCH;
        if (variable == Variable.BRANCH) {
            if (!op.equals("=")) throw new SpecException("attention policy rule '" + rule + "': condition '" + part + "' must use '=' with cond or uncond");
            return new Condition(variable, op, 0, List.of(), EnumSet.of(branch(rule, part, value)));
        }
        if (op.equals("=")) return new Condition(variable, op, 0, List.of(range(rule, part, value)), Set.of());
        if (!INTEGER.matcher(value).matches()) {
            throw new SpecException("attention policy rule '" + rule + "': condition '" + part + "' needs a non-negative integer after " + op);
        }
        return new Condition(variable, op, parseInt(rule, part, value), List.of(), Set.of());
    }

    private static Condition extend(String rule, Condition previous, String item) {
        if (previous.variable() == Variable.BRANCH) {
            EnumSet<Branch> branches = EnumSet.copyOf(previous.branches());
            branches.add(branch(rule, item, item));
            return new Condition(previous.variable(), "=", 0, List.of(), branches);
        }
        List<int[]> ranges = new ArrayList<>(previous.ranges());
        ranges.add(range(rule, item, item));
        return new Condition(previous.variable(), "=", 0, List.copyOf(ranges), Set.of());
    }

    private static int[] range(String rule, String part, String value) {
        if (INTEGER.matcher(value).matches()) {
            int v = parseInt(rule, part, value);
            return new int[] {v, v};
        }
        Matcher m = RANGE.matcher(value);
        if (m.matches()) {
            int lo = parseInt(rule, part, m.group(1));
            int hi = parseInt(rule, part, m.group(2));
            if (lo > hi) throw new SpecException("attention policy rule '" + rule + "': range '" + value + "' is empty (" + lo + " > " + hi + ")");
            return new int[] {lo, hi};
        }
        throw new SpecException("attention policy rule '" + rule + "': '" + part + "' is not an integer or a range like 2..5");
    }

    private static Branch branch(String rule, String part, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "cond" -> Branch.COND;
            case "uncond" -> Branch.UNCOND;
            default -> throw new SpecException("attention policy rule '" + rule + "': branch '" + value + "' in '" + part
                    + "' must be cond or uncond");
        };
    }

    private static int parseInt(String rule, String part, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new SpecException("attention policy rule '" + rule + "': '" + part + "' has a number out of range");
        }
    }
}
