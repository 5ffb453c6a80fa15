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
    # The rest of Azure's public regions: every one is accepted, as Azure does (e.g. `westus`).
    ("westus", "West US", "US", "California", "United States", "eastus"),
    ("southcentralus", "South Central US", "US", "Texas", "United States", "northcentralus"),
    ("northcentralus", "North Central US", "US", "Illinois", "United States", "southcentralus"),
    ("westcentralus", "West Central US", "US", "Wyoming", "United States", "westus2"),
    ("canadaeast", "Canada East", "Canada", "Quebec", "Canada", "canadacentral"),
    ("brazilsouth", "Brazil South", "South America", "Sao Paulo State", "Brazil", "southcentralus"),
    ("brazilsoutheast", "Brazil Southeast", "South America", "Rio", "Brazil", "brazilsouth"),
    ("mexicocentral", "Mexico Central", "Mexico", "Querétaro State", "Mexico", ""),
    ("chilecentral", "Chile Central", "South America", "Santiago", "Chile", ""),
    ("ukwest", "UK West", "Europe", "Cardiff", "United Kingdom", "uksouth"),
    ("francesouth", "France South", "Europe", "Marseille", "France", "francecentral"),
    ("germanynorth", "Germany North", "Europe", "Berlin", "Germany", "germanywestcentral"),
    ("swedensouth", "Sweden South", "Europe", "Malmo", "Sweden", "swedencentral"),
    ("switzerlandnorth", "Switzerland North", "Europe", "Zurich", "Switzerland", "switzerlandwest"),
    ("switzerlandwest", "Switzerland West", "Europe", "Geneva", "Switzerland", "switzerlandnorth"),
    ("norwayeast", "Norway East", "Europe", "Norway", "Norway", "norwaywest"),
    ("norwaywest", "Norway West", "Europe", "Norway", "Norway", "norwayeast"),
    ("polandcentral", "Poland Central", "Europe", "Warsaw", "Poland", ""),
    ("italynorth", "Italy North", "Europe", "Milan", "Italy", ""),
    ("spaincentral", "Spain Central", "Europe", "Madrid", "Spain", ""),
    ("eastasia", "East Asia", "Asia Pacific", "Hong Kong", "Asia Pacific", "southeastasia"),
    ("australiasoutheast", "Australia Southeast", "Asia Pacific", "Victoria", "Australia", "australiaeast"),
    ("australiacentral", "Australia Central", "Asia Pacific", "Canberra", "Australia", "australiacentral2"),
    ("australiacentral2", "Australia Central 2", "Asia Pacific", "Canberra", "Australia", "australiacentral"),
    ("japanwest", "Japan West", "Asia Pacific", "Osaka", "Japan", "japaneast"),
    ("koreacentral", "Korea Central", "Asia Pacific", "Seoul", "Korea", "koreasouth"),
    ("koreasouth", "Korea South", "Asia Pacific", "Busan", "Korea", "koreacentral"),
    ("southindia", "South India", "Asia Pacific", "Chennai", "India", "centralindia"),
    ("westindia", "West India", "Asia Pacific", "Mumbai", "India", "southindia"),
    ("jioindiacentral", "Jio India Central", "Asia Pacific", "Nagpur", "India", "jioindiawest"),
    ("jioindiawest", "Jio India West", "Asia Pacific", "Jamnagar", "India", "jioindiacentral"),
    ("indonesiacentral", "Indonesia Central", "Asia Pacific", "Jakarta", "Indonesia", ""),
    ("malaysiawest", "Malaysia West", "Asia Pacific", "Kuala Lumpur", "Malaysia", ""),
    ("newzealandnorth", "New Zealand North", "Asia Pacific", "Auckland", "New Zealand", ""),
    ("uaenorth", "UAE North", "Middle East", "Dubai", "UAE", "uaecentral"),
    ("uaecentral", "UAE Central", "Middle East", "Abu Dhabi", "UAE", "uaenorth"),
    ("qatarcentral", "Qatar Central", "Middle East", "Doha", "Qatar", ""),
    ("israelcentral", "Israel Central", "Middle East", "Israel", "Israel", ""),
    ("southafricanorth", "South Africa North", "Africa", "Johannesburg", "South Africa", "southafricawest"),
    ("southafricawest", "South Africa West", "Africa", "Cape Town", "South Africa", "southafricanorth"),
)
RECOMMENDED = 16
"""The first regions are Azure's "Recommended" category; the others are "Other"."""

NAMES: tuple[str, ...] = tuple(r[0] for r in REGIONS)


def normalize(location: str) -> str | None:
    """ARM accepts `East US` or `eastus` and reports `eastus`; None for a region that is not offered."""
    key = location.replace(" ", "").lower()
    return next(
        (name for name, display, *_ in REGIONS if key in (name, display.replace(" ", "").lower())), None
    )


def location_list(subscription_id: str) -> list[dict[str, Any]]:
    def one(
        name: str, display: str, group: str, physical: str, geography: str, paired: str, category: str
    ) -> dict[str, Any]:
        region: dict[str, Any] = {
            "id": f"/subscriptions/{subscription_id}/locations/{name}",
            "name": name,
            "type": "Region",
            "displayName": display,
            "regionalDisplayName": f"({group}) {display}",
            "metadata": {
                "regionType": "Physical",
                "regionCategory": category,
                "geography": geography,
                "geographyGroup": group,
                "physicalLocation": physical,
                "pairedRegion": [
                    {"name": paired, "id": f"/subscriptions/{subscription_id}/locations/{paired}"}
                ]
                if paired
                else [],
            },
        }
        return region

    return [one(*region, "Recommended" if i < RECOMMENDED else "Other") for i, region in enumerate(REGIONS)]
