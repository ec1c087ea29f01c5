package io.tilewise.cli;

/**
 * Makes a message safe to print as one line: control characters (a NUL, a newline inside a value) are escaped as
 * {@code \0}, {@code \n}, {@code \u001b}, and long runs are cut, so that a 1 MB prompt or a value holding binary
 * gives a readable line of bounded length instead of a megabyte of echo or bytes that tools (and the launcher's
 * stderr filter) take for binary.
 */
final class Messages {

    /** A run of non-space characters longer than this (a pasted prompt, a file's bytes) keeps its start and end. */
    static final int MAX_RUN = 120;
    /** Whole messages longer than this keep their start and end. */
    static final int MAX_LENGTH = 1000;

    private Messages() {
    }

    /** One line: line breaks between parts become "; ", other control characters are escaped, long parts cut. */
    static String oneLine(String message) {
        String joined = message.strip().replaceAll("\\s*\\R\\s*", "; ");
        return cut(cutRuns(escape(joined)), MAX_LENGTH, 700, 250);
    }

    /** {@code \0}, {@code \t}, {@code \r}, {@code \n}, and {@code \}{@code uXXXX} for other control characters. */
    static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '\0' -> "\\0";
                case '\t' -> "\\t";
                case '\r' -> "\\r";
                case '\n' -> "\\n";
                default -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c) : null;
            };
            if (replacement != null && out == null) out = new StringBuilder(text.length() + 16).append(text, 0, i);
            if (out != null) {
                if (replacement != null) out.append(replacement);
                else out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static String cutRuns(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 4 * MAX_LENGTH));
        int i = 0;
        while (i < text.length()) {
            int end = i;
            while (end < text.length() && text.charAt(end) != ' ') end++;
            out.append(cut(text.substring(i, end), MAX_RUN, 60, 20));
            if (end < text.length()) out.append(' ');
            i = end + 1;
        }
        return out.toString();
    }

    /** {@code text} itself when at most {@code max} characters, else its first and last characters around a count. */
    static String cut(String text, int max, int head, int tail) {
        if (text.length() <= max) return text;
        int h = head;
        int t = text.length() - tail;
        // Never split a surrogate pair.
        if (Character.isHighSurrogate(text.charAt(h - 1))) h--;
        if (Character.isLowSurrogate(text.charAt(t))) t++;
        return text.substring(0, h) + "…(" + (t - h) + " characters cut)…" + text.substring(t);
    }
}
