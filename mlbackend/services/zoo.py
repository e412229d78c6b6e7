"""The model zoo: a chosen list of plugins evaluated through the shared evaluator, one table.

A zoo run is a set of evaluate jobs (one per plugin, the same project, seed, label source and
protocol), marked with one zoo id in their params; each job is the ordinary evaluate job (the
shared LOSO evaluator owns the split, fixed epochs, nothing of a test subject picks anything) and
leaves an ordinary EvaluationReport. `zoo_table` makes the one table of those reports: UF1 and UAR
overall and per dataset, seconds, sorted by UF1 then UAR (best first), with the protocol stated.
`manage.py zoo` and the Models page's zoo form both start it here.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError

from annotator.permissions import can_start_job, role_for
from annotator.services.jobs import job_enqueue_on_commit
from mlbackend.contract import EMOTION, PluginError
from mlbackend.evaluation.loso import PROTOCOLS, protocol_warning
from mlbackend.jobkinds import EVALUATE
from mlbackend.models import EvaluationReport
from mlbackend.registry import get_plugin_class
from mlbackend.services.jobs import ml_job_create

MAX_MODELS = 20


def zoo_check(*, project, created_by, plugins: list[str], protocol: str, plugin_params: dict | None = None) -> None:
    """Every plugin known and an emotion recogniser (the table is UF1 / UAR), no twice, parameters only for them."""
    if created_by is not None and not can_start_job(role_for(created_by, project), EVALUATE):
        raise PermissionDenied("Only the project lead starts model jobs.")
    if not plugins:
        raise ValidationError({"plugins": "Choose at least one plugin."})
    if len(plugins) > MAX_MODELS or len(set(plugins)) != len(plugins):
        raise ValidationError({"plugins": f"Choose up to {MAX_MODELS} different plugins."})
    if protocol not in PROTOCOLS:
        raise ValidationError({"protocol": f"Choose {' or '.join(PROTOCOLS)}."})
    for name in plugins:
        try:
            plugin_class = get_plugin_class(name)
        except PluginError as exc:
            raise ValidationError({"plugins": str(exc)}) from None
        if EMOTION not in plugin_class.capabilities:
            raise ValidationError({"plugins": f"{name} does not recognise emotions: the zoo table is UF1 / UAR."})
    stray = set(plugin_params or {}) - set(plugins)
    if stray:
        raise ValidationError({"plugin_params": f"Parameters for plugins not in the zoo: {sorted(stray)}."})


def zoo_start(*, project, created_by, plugins: list[str], protocol: str = "loso", seed: int = 0,
              label_source: str = "submitted", plugin_params: dict | None = None, enqueue: bool = True) -> list:
    """Check every plugin first, then create one evaluate job per plugin under one zoo id."""
    zoo_check(project=project, created_by=created_by, plugins=plugins, protocol=protocol, plugin_params=plugin_params)
    zoo_id = uuid.uuid4().hex[:12]
    jobs = []
    for name in plugins:
        job = ml_job_create(kind=EVALUATE, project=project, created_by=created_by, plugin=name,
                            label_source=label_source, seed=seed, plugin_params=(plugin_params or {}).get(name),
                            enqueue=False, protocol=protocol)
        job.params = {**job.params, "zoo": zoo_id}
        job.save(update_fields=["params"])
        jobs.append(job)
    if enqueue:
        for job in jobs:
            job_enqueue_on_commit(job=job)
    return jobs


def _seconds(job) -> float | None:
    if job.started_at and job.finished_at:
        return (job.finished_at - job.started_at).total_seconds()
    return None


def zoo_table(reports) -> dict:
    """{protocol, warning, datasets, rows}: one row per report (plugin, uf1, uar, n, per dataset, seconds),
    sorted by UF1 then UAR, best first (ties by plugin name)."""
    reports = list(reports)
    protocols = {report.protocol for report in reports}
    if len(protocols) > 1:
        raise ValueError(f"One zoo table holds one protocol; these reports mix {sorted(protocols)}.")
    protocol = protocols.pop() if protocols else "loso"
    datasets = sorted({name for report in reports for name in report.per_dataset})
    rows = []
    for report in reports:
        overall = report.overall or {}
        per_dataset = {name: {"uf1": report.per_dataset[name]["uf1"], "uar": report.per_dataset[name]["uar"]}
                       for name in datasets if name in report.per_dataset}
        rows.append({
            "plugin": report.plugin, "report": report.pk, "uf1": overall.get("uf1"), "uar": overall.get("uar"),
            "n": overall.get("n", 0), "seconds": _seconds(report.job) if report.job_id else None,
            "per_dataset": per_dataset,
            # One cell per column of `datasets`, empty where this report has no sample of that dataset.
            "cells": [per_dataset.get(name, {}) for name in datasets],
        })
    rows.sort(key=lambda row: (-(row["uf1"] or 0.0), -(row["uar"] or 0.0), row["plugin"]))
    return {"protocol": protocol, "protocol_name": PROTOCOLS.get(protocol, protocol),
            "warning": protocol_warning(protocol), "datasets": datasets, "rows": rows}


def zoo_reports(*, project, zoo_id: str):
    return EvaluationReport.objects.filter(project=project, job__params__zoo=zoo_id).select_related("job")


def zoo_text(table: dict) -> list[str]:
    """The table as text lines (manage.py zoo)."""
    lines = [f"protocol: {table['protocol_name']} ({table['protocol']}); fixed epochs, pooled predictions, "
             "sorted by UF1 then UAR"]
    if table["warning"]:
        lines.append(f"warning: {table['warning']}")
    header = f"{'#':>2}  {'plugin':<20}{'UF1':>7}{'UAR':>7}{'n':>6}"
    header += "".join(f"{name[:14] + ' UF1':>19}{name[:14] + ' UAR':>19}" for name in table["datasets"])
    lines.append(header + f"{'seconds':>10}")
    for rank, row in enumerate(table["rows"], start=1):
        line = f"{rank:>2}  {row['plugin']:<20}{_fig(row['uf1']):>7}{_fig(row['uar']):>7}{row['n']:>6}"
        for name in table["datasets"]:
            figures = row["per_dataset"].get(name, {})
            line += f"{_fig(figures.get('uf1')):>19}{_fig(figures.get('uar')):>19}"
        seconds = row["seconds"]
        lines.append(line + f"{'-' if seconds is None else f'{seconds:.1f}':>10}")
    return lines


def _fig(value) -> str:
    return "-" if value is None else f"{value:.3f}"
