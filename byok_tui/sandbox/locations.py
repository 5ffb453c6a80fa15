"""The Azure regions the sandbox offers, with the names and metadata `GET …/locations` reports."""

from __future__ import annotations

from typing import Any

# (name, displayName, geographyGroup, physicalLocation, geography, paired region)
REGIONS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("eastus", "East US", "US", "Virginia", "United States", "westus"),
    ("eastus2", "East US 2", "US", "Virginia", "United States", "centralus"),
    ("westus2", "West US 2", "US", "Washington", "United States", "westcentralus"),
    ("westus3", "West US 3", "US", "Phoenix", "United States", "eastus"),
    ("centralus", "Central US", "US", "Iowa", "United States", "eastus2"),
    ("northeurope", "North Europe", "Europe", "Ireland", "Europe", "westeurope"),
    ("westeurope", "West Europe", "Europe", "Netherlands", "Europe", "northeurope"),
    ("uksouth", "UK South", "Europe", "London", "United Kingdom", "ukwest"),
    ("southeastasia", "Southeast Asia", "Asia Pacific", "Singapore", "Asia Pacific", "eastasia"),
    ("australiaeast", "Australia East", "Asia Pacific", "New South Wales", "Australia", "australiasoutheast"),
    ("japaneast", "Japan East", "Asia Pacific", "Tokyo, Saitama", "Japan", "japanwest"),
    ("canadacentral", "Canada Central", "Canada", "Toronto", "Canada", "canadaeast"),
    ("francecentral", "France Central", "Europe", "Paris", "France", "francesouth"),
    ("germanywestcentral", "Germany West Central", "Europe", "Frankfurt", "Germany", "germanynorth"),
    ("swedencentral", "Sweden Central", "Europe", "Gävle", "Sweden", "swedensouth"),
    ("centralindia", "Central India", "Asia Pacific", "Pune", "India", "southindia"),
)

NAMES: tuple[str, ...] = tuple(r[0] for r in REGIONS)


def normalize(location: str) -> str | None:
    """ARM accepts `East US` or `eastus` and reports `eastus`; None for a region that is not offered."""
    key = location.replace(" ", "").lower()
    return next(
        (name for name, display, *_ in REGIONS if key in (name, display.replace(" ", "").lower())), None
    )


def location_list(subscription_id: str) -> list[dict[str, Any]]:
    def one(
        name: str, display: str, group: str, physical: str, geography: str, paired: str
    ) -> dict[str, Any]:
        return {
            "id": f"/subscriptions/{subscription_id}/locations/{name}",
            "name": name,
            "type": "Region",
            "displayName": display,
            "regionalDisplayName": f"({group}) {display}",
            "metadata": {
                "regionType": "Physical",
                "regionCategory": "Recommended",
                "geography": geography,
                "geographyGroup": group,
                "physicalLocation": physical,
                "pairedRegion": [
                    {"name": paired, "id": f"/subscriptions/{subscription_id}/locations/{paired}"}
                ],
            },
        }

    return [one(*region) for region in REGIONS]
