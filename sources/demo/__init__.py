"""Seeded demo data generator: realistic, messy raw exports of two brands, with their ground truth."""

from sources.demo.generator import GenerateResult, generate

__all__ = ["GenerateResult", "generate"]
