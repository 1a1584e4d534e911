"""The annotation schema: entity labels, section parts and topics.

Every other module takes its label sets from here, so the schema is defined once.
The meaning of each value is in annotations/GUIDELINES.md.
"""

ENTITY_LABELS = ("MEASURE", "INDICATOR", "ORG", "REGULATION")

PARTS = ("TITLE", "PREAMBLE", "ACHIEVEMENTS", "PROBLEMS", "LEADERSHIP", "PLANS", "OTHER")

TOPICS = (
    "FUNCTIONS",
    "RULES",
    "DECISIONS",
    "ENFORCEMENT",
    "EMERGENCY",
    "DISPUTES",
    "OVERSIGHT",
    "DIGITAL",
    "LEADERSHIP_ORG",
    "SOCIETY",
    "NONE",
)

# Only these parts describe work and so carry a topic; the others always take NONE.
PARTS_WITH_TOPIC = ("ACHIEVEMENTS", "PROBLEMS", "PLANS")
