"""State shared by every command: where the store is, and which data to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rerating.data.market import Market


@dataclass
class AppContext:
    home: str | None = None
    sample: bool = False
    securities_file: str | None = None
    _market: Market | None = field(default=None, repr=False)

    def market(self) -> Market:
        """The data facade for this invocation, opened once (the store, or the bundled sample)."""
        if self._market is None:
            from rerating.data.market import Market

            self._market = Market.open(
                home=self.home, sample=self.sample, securities=self.securities_file
            )
        return self._market
