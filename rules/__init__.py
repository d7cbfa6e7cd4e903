"""The criteria for recognition: declarative rulesets (YAML data) and the engine that runs them."""
