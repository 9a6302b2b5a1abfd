"""A heading is rendered in the same block as the table or chart after it (no heading alone at a page end)."""
import nbformat

from ccnb.render.manager_view import keep_headings_with_content


def html(text):
    return nbformat.v4.new_output("display_data", data={"text/html": text})


def png(b64="iVBORw0KGgo="):
    return nbformat.v4.new_output("display_data", data={"image/png": b64, "text/plain": "<Figure>"})


def cell(*outputs):
    return nbformat.v4.new_code_cell(outputs=list(outputs))


def test_heading_joins_the_chart_in_the_next_cell():
    cells = keep_headings_with_content([cell(html('<h2 class="x">Trend</h2>')), cell(png())])
    assert len(cells) == 1 and len(cells[0].outputs) == 1
    merged = cells[0].outputs[0]["data"]["text/html"]
    assert merged.startswith('<div class="ccnb-keep"><h2 class="x">Trend</h2><img class="ccnb-chart"')
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in merged


def keep(*parts):
    return '<div class="ccnb-keep">' + "".join(parts) + "</div>"


def test_heading_joins_the_table_in_the_same_cell_and_later_text_stays_apart():
    cells = keep_headings_with_content([cell(html("<h2>Queues</h2>"), html("<table></table>"), html("<p>note</p>"))])
    assert [o["data"]["text/html"] for o in cells[0].outputs] == [keep("<h2>Queues</h2>", "<table></table>"),
                                                                  "<p>note</p>"]


def test_heading_and_its_intro_wait_for_the_chart():
    cells = keep_headings_with_content([cell(html("<h2>History</h2>"), html('<p class="ccnb-text">Dips are holidays.</p>')),
                                         cell(png())])
    merged = cells[0].outputs[0]["data"]["text/html"]
    assert merged.startswith(keep("<h2>History</h2>", '<p class="ccnb-text">Dips are holidays.</p>')[:-6] + "<img")


def test_consecutive_headings_travel_together_and_a_final_heading_is_kept():
    cells = keep_headings_with_content([cell(html("<h2>A</h2>"), html("<h3>B</h3>")), cell(html("<div>x</div>")),
                                         cell(html("<h2>End</h2>"))])
    texts = [o["data"]["text/html"] for c in cells for o in c.outputs]
    assert texts == [keep("<h2>A</h2>", "<h3>B</h3>", "<div>x</div>"), keep("<h2>End</h2>")]


def test_a_paragraph_containing_a_heading_is_not_heading_only():
    cells = keep_headings_with_content([cell(html("<h2>A</h2><p>text</p>")), cell(html("<p>y</p>"))])
    assert len(cells) == 2
