"""Numbers as the province's statistics print them: thousands separated by commas (1,234,567.89).

Django's zh_Hans groups nothing (no separator), so a grouped figure (``floatformat:"2g"``,
``intcomma``) read as 1234567.89 on a Chinese page and 1,234,567.89 on an English one, and
apart from amounts of money (apps.core.money.money_format, commas in every language). Dates
and the rest come from Django's zh_Hans.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
