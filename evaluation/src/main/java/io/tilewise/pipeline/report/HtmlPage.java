package io.tilewise.pipeline.report;

import java.util.Base64;

/**
 * A self-contained HTML page: inline CSS, images and videos as {@code data:} URIs (no network, no scripts from
 * elsewhere), and a small inline script that marks the body once every image and video has loaded —
 * {@code data-media="ok"} or {@code data-media="failed: …"} — so a headless browser can check the page.
 */
public final class HtmlPage {

    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlPage(String title) {
        this.title = title;
    }

    public HtmlPage raw(String html) {
        body.append(html).append('\n');
        return this;
    }

    public HtmlPage heading(int level, String text) {
        return raw("<h" + level + ">" + escape(text) + "</h" + level + ">");
    }

    public HtmlPage paragraph(String text) {
        return raw("<p>" + escape(text) + "</p>");
    }

    public HtmlPage image(byte[] png, String alt) {
        return raw("<img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\" alt=\"" + escape(alt) + "\">");
    }

    public HtmlPage video(byte[] webm, String label) {
        return raw("<video src=\"data:video/webm;base64," + Base64.getEncoder().encodeToString(webm)
                + "\" autoplay loop muted playsinline controls preload=\"auto\" title=\"" + escape(label) + "\"></video>");
    }

    /** A table; {@code cells[0]} is the header row. Cells are escaped. */
    public HtmlPage table(String[][] cells) {
        StringBuilder t = new StringBuilder("<table>\n<tr>");
        for (String h : cells[0]) t.append("<th>").append(escape(h)).append("</th>");
        t.append("</tr>\n");
        for (int r = 1; r < cells.length; r++) {
            t.append("<tr>");
            for (String c : cells[r]) t.append("<td>").append(escape(c)).append("</td>");
            t.append("</tr>\n");
        }
        return raw(t.append("</table>").toString());
    }

    public HtmlPage list(Iterable<String> items) {
        StringBuilder l = new StringBuilder("<ul>");
        for (String item : items) l.append("<li>").append(escape(item)).append("</li>");
        return raw(l.append("</ul>").toString());
    }

    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) + "</title>\n"
                + "<style>\n" + CSS + "</style>\n</head>\n<body>\n" + body + "<script>\n" + CHECK + "</script>\n</body>\n</html>\n";
    }

    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String CSS = """
            body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
            table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
            th { background: #f3f3f3; }
            td:first-child, th:first-child { text-align: left; }
            img { max-width: 100%; margin: 6px 0; display: block; }
            video { margin: 6px 0; image-rendering: pixelated; display: block; }
            .meets { color: #1a7f37; font-weight: bold; }
            .short { color: #b3261e; font-weight: bold; }
            .method { border-top: 2px solid #ddd; margin-top: 24px; }
            .caption { color: #555; font-size: 13px; }
            """;

    /**
     * Marks the body when every image has decoded (naturalWidth > 0) and every video has its first frame
     * (readyState >= 2, no error); waits up to 10 s.
     */
    private static final String CHECK = """
            (function () {
              var start = Date.now();
              function check() {
                var pending = [], failed = [];
                document.querySelectorAll('img').forEach(function (img, i) {
                  if (!img.complete) pending.push('img ' + i);
                  else if (img.naturalWidth === 0) failed.push('img ' + i + ' (' + img.alt + ')');
                });
                document.querySelectorAll('video').forEach(function (v, i) {
                  if (v.error) failed.push('video ' + i + ' (' + v.title + ': error ' + v.error.code + ')');
                  else if (v.readyState < 2) pending.push('video ' + i);
                });
                if (pending.length && Date.now() - start < 10000) { setTimeout(check, 100); return; }
                failed = failed.concat(pending.map(function (p) { return p + ' (not loaded after 10 s)'; }));
                document.body.dataset.images = document.querySelectorAll('img').length;
                document.body.dataset.videos = document.querySelectorAll('video').length;
                document.body.dataset.media = failed.length ? 'failed: ' + failed.join(', ') : 'ok';
              }
              if (document.readyState === 'complete') check(); else window.addEventListener('load', check);
            })();
            """;
}
