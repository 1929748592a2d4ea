"""The NPS programme around the comments: benchmarks and competitors, B2B accounts, league tables,
representativeness and weighting, promoter programmes, the per-customer view and indifferent themes.

>>> from nps_text.programme import league_table, weighted_nps, compare_brands
"""

from .accounts import AccountRoles, account_roles
from .benchmark import BenchmarkComparison, compare_to_benchmark, compare_to_benchmarks, read_benchmarks
from .brands import BrandComparison, compare_brands
from .customers import OutcomeRelation, customer_view, relate_outcome
from .indifferent import indifferent_themes
from .league import FunnelData, funnel_data, league_table
from .promoters import promoter_list, testimonial_candidates
from .weighting import WeightedNPS, representation, response_rates, weighted_nps

__all__ = ["compare_to_benchmark", "compare_to_benchmarks", "read_benchmarks", "BenchmarkComparison",
           "compare_brands", "BrandComparison", "account_roles", "AccountRoles", "league_table", "funnel_data",
           "FunnelData", "representation", "weighted_nps", "response_rates", "WeightedNPS", "promoter_list",
           "testimonial_candidates", "customer_view", "relate_outcome", "OutcomeRelation", "indifferent_themes"]
