"""Résumés as candidates send them: PDF with a text layer, DOCX, plain text and HTML/MHT exported by job sites.

formats sniffs what a file really is (from its bytes, never its name) and refuses what cannot be read, each with a
Chinese reason for that one file; extract turns an accepted file into text; fields and sections turn the text into
a structured résumé whose every value keeps the span of text it came from; safezip reads a .zip of résumés within
limits; store keeps the file sealed like a recording and the text and structure in sealed columns.
"""
