"""The steps of the integration: plan -> apply -> check. No Textual here; also used headless."""
