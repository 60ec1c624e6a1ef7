"""ddarts_mm.study.report: study.md's claims, tables and figures."""
import json

from ddarts_mm.study.report import mean_std, write_study


def _record(method, seed, top1s, best=30.0, **extra):
    return dict(method=method, seed=seed, w_ab=extra.pop('w_ab', 0.5),
                w01=extra.pop('w01', 7.0), retrain=True,
                retrains=[dict(seed=i, top1=v) for i, v in enumerate(top1s)],
                retrain_top1=sum(top1s) / len(top1s),
                search_val_top1=[10.0, best], dominant_pct=90.0,
                min_global_loss=2.0, **extra)


def test_report_claims_methods_and_noise(tmp_path):
    records = [_record('random', s, [v, v + 2]) for s, v in
               enumerate([50.0, 55.0, 60.0, 65.0, 70.0])]
    records += [_record('ddarts-exact', s, [v, v]) for s, v in
                enumerate([80.0, 82.0, 84.0])]
    records += [_record('ddarts-lf', s, [v, v]) for s, v in
                enumerate([60.0, 62.0, 64.0])]
    records += [dict(method='darts', seed=0, w_ab=0.5, w01=7.0,
                     error='boom')]
    paths = write_study(records, tmp_path)
    text = paths['md'].read_text()
    # every searched genotype above every random one: percentile 100
    assert '| ddarts-exact | 3 | 82.0 +- 2.0 | 100; 100 100 100 |' in text
    assert ('L_AB adds about 0.6% top-1' in text and
            '+20.0 [' in text and '**reproduced**' in text)
    # claims without data say so instead of inventing a verdict
    assert 'converges faster than darts' in text
    # retrain-seed spread of one genotype: random pairs differ by 2
    assert '| random | 5 | 1.41 |' in text
    assert 'darts seed 0' in text and 'boom' in text
    assert json.loads(paths['json'].read_text()) == records
    assert paths['fig4'].is_file() and paths['decision'].is_file()
    assert mean_std([1.0])['std'] == 0.0


def test_sampled_method_is_compared_with_exact_on_the_same_seeds(tmp_path):
    def genotype(ops):
        edges = [[op, 2 + i // 2, i % 2] for i, op in enumerate(ops)]
        return dict(sequence=[0, 0], genes=[dict(edges=edges)])

    same = genotype(['skip_connect', 'sep_conv_3x3', 'max_pool_3x3',
                     'dil_conv_3x3'])
    half = genotype(['skip_connect', 'sep_conv_3x3', 'avg_pool_3x3',
                     'sep_conv_5x5'])
    records = [_record('ddarts-exact', s, [80.0 + s, 80.0 + s],
                       genotype_dict=same, seconds=300.0) for s in (0, 1)]
    records += [_record('ddarts-exact-sampled2', s, [79.0 + s, 79.0 + s],
                        genotype_dict=g, seconds=100.0)
                for s, g in ((0, same), (1, half))]
    text = write_study(records, tmp_path)['md'].read_text()
    assert '## Sampled ablated backwards' in text
    assert 'edges in common (layer, op, nodes): 100%, 50% (mean 75%)' in text
    assert 'seconds per run (search and retrainings): 100.0 +- 0.0 vs ' \
        '300.0 +- 0.0' in text
    assert '| ddarts-exact-sampled2 - ddarts-exact |' in text


def test_epochs_to_stop_from_decision_curves():
    """Issue 29: the study reports when SearchStopHook would have stopped
    each search, from the decision curve its record holds."""
    from ddarts_mm.study.tables import stop_epoch, stop_lines

    def curve(changes, decided=95.0):
        return [dict(epoch=k + 2, decided_pct=decided, changes=c)
                for k, c in enumerate(changes)]

    settled = curve([None, 3, 0, 0, 0])
    moving = curve([None, 3, 1, 2, 1])
    undecided = curve([None, 0, 0, 0, 0], decided=50.0)
    assert stop_epoch(settled) == 4  # unchanged after search epochs 3, 4
    assert stop_epoch(settled, patience=1) == 3
    assert stop_epoch(moving) is None and stop_epoch(undecided) is None
    # the same replay as the hook's other criterion: decided share up by
    # less than 1 point in 1 epoch, once >= 80% decided
    from ddarts_mm.engine.hooks.search_stop_hook import first_stop
    rising = [dict(epoch=k + 2, decided_pct=d, changes=None)
              for k, d in enumerate([40.0, 85.0, 92.0, 92.5, 99.0])]
    assert first_stop(rising, 'decided', patience=1) == 4
    assert first_stop(rising, 'decided', patience=2) is None
    from ddarts_mm.study.grid import PAPER_W01, PAPER_W_AB
    main = dict(w_ab=PAPER_W_AB, w01=PAPER_W01)
    records = [dict(main, method='ddarts-exact', decision_curve=settled),
               dict(main, method='ddarts-exact', decision_curve=moving),
               dict(main, method='darts', decision_curve=undecided)]
    lines = stop_lines(records)
    assert lines[2] == '| ddarts-exact | 1/2 | 4.5 of 5 | 0.90 |'
    assert lines[3] == '| darts | 0/1 | 5.0 of 5 | 1.00 |'
