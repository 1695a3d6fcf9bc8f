"""Documents: letters and PDFs made from Jinja templates with WeasyPrint, and their delivery.

`render.render_document` is the one way to make a PDF (decisions.md "Letter"); `delivery` holds
the adapters that send a stored letter (console in demo, SMTP for tests; Danish Digital Post
and Dutch Berichtenbox adapters are to be added, never plain e-mail for personal letters).
"""
