"""byok-tui: set up and prove Kore.ai BYOK encryption with Azure Key Vault."""

__version__ = "0.1.0"
