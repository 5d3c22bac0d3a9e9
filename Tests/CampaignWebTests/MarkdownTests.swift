import Testing

@testable import CampaignWeb

@Suite struct MarkdownTests {
    @Test func paragraphsAndHeadingsRender() {
        #expect(Markdown.html("# Title\n\nOne line\nand more.\n\n## Sub ##") == "<h1>Title</h1>\n<p>One line\nand more.</p>\n<h2>Sub</h2>")
    }

    @Test func emphasisAndStrongRender() {
        #expect(
            Markdown.html("*a* and **b** and _c_ and __d__")
                == "<p><em>a</em> and <strong>b</strong> and <em>c</em> and <strong>d</strong></p>")
    }

    @Test func underscoresInsideWordsStayAsWritten() {
        #expect(Markdown.html("snake_case_name and 2 * 3 * 4") == "<p>snake_case_name and 2 * 3 * 4</p>")
    }

    @Test func webAndMailLinksRender() {
        #expect(
            Markdown.html("[site](https://example.org/a?b=1&c=2) [mail](mailto:a@example.org)")
                == "<p><a href=\"https://example.org/a?b=1&amp;c=2\">site</a> <a href=\"mailto:a@example.org\">mail</a></p>")
    }

    @Test func otherSchemesShowTheLinkTextOnly() {
        #expect(Markdown.html("[click](javascript:alert(1)) [data](data:text/html,x)") == "<p>click data</p>")
    }

    @Test func aQuoteCannotLeaveTheLinkAttribute() {
        #expect(
            Markdown.html("[x](https://e.org/\"onmouseover=\"alert(1))")
                == "<p><a href=\"https://e.org/&quot;onmouseover=&quot;alert(1)\">x</a></p>")
    }

    @Test func listsRender() {
        #expect(Markdown.html("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>")
        #expect(Markdown.html("1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>")
        #expect(Markdown.html("3. three\n4. four") == "<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>")
    }

    @Test func blockquotesRender() {
        #expect(Markdown.html("> quoted\n> **text**") == "<blockquote>\n<p>quoted\n<strong>text</strong></p>\n</blockquote>")
    }

    @Test func rawHTMLShowsAsText() {
        #expect(
            Markdown.html("<script>alert(\"x\")</script> & <b>b</b>")
                == "<p>&lt;script>alert(&quot;x&quot;)&lt;/script> &amp; &lt;b>b&lt;/b></p>")
    }
}
