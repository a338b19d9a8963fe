"""The smallest complete domain: a help desk with customers and tickets.

It is the template to copy for a new vertical and the fixture the runtime's tests share; README.md
describes it under the headings every domain uses.
"""

from ...domains import hand_built

DOMAIN = hand_built(__name__, "Help desk: look up customers, open and close support tickets.")
