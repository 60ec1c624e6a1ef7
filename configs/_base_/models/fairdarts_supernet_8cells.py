# FairDARTS' supernet (Chu et al., ECCV 2020; xiaomi-automl/FairDARTS): the
# D-DARTS supernet's cells with sigmoid mixing over the 7 ops of S, but ONE
# alpha set shared by every normal cell and one by every reduction cell,
# and the arch loss L_CE + 10 * L_01 with L_01 one mean over both sets of
# -(sigmoid(alpha) - 0.5)^2 (its --aux_loss_weight 10); no ablation loss.
_base_ = ['./ddarts_supernet_8cells.py']
model = dict(
    share_alphas='cell_type',
    zero_one_weight=10.0,
    zero_one_scope='all',
    ablation=dict(mode='none'))
