// The check-in page: the calendar and the wallet come from the engine's read models; a tap
// applies the operation at once (offline too) and syncs in the background. No rule lives here:
// points, streaks, make-up windows and what is affordable are the engine's answers.

const app = getApp();

const STATUS_MARK = { done: '✓', made_up: '补', frozen: '❄', missed: '·', open: '○', upcoming: '' };
const HISTORY_LINES_SHOWN = 5;

/** What the history says for a ledger reason. */
function reasonText(reason, doc) {
  switch (reason.why) {
    case 'checkin':
      return `签到 ${reason.day}`;
    case 'makeup':
      return `补签 ${reason.day}`;
    case 'milestone':
      return `连签 ${reason.checkins} 天奖励`;
    case 'quiz_completed':
      return '完成肤质测试';
    case 'purchase':
      return '购物积分';
    case 'redemption':
      return `兑换 ${rewardName(doc, reason.reward)}`;
    case 'expired':
    case 'inactive':
      return '积分过期';
    case 'correction':
      return reason.note;
    default:
      return reason.why;
  }
}

function rewardName(doc, id) {
  const reward = (doc.rewards || []).find((r) => r.id === id);
  return reward ? reward.name['zh-CN'] : id;
}

/** The refusal, in the customer's words (the engine's code says which rule). */
function refusalText(error) {
  switch (error.code) {
    case 'already_checked_in_today':
      return '今天已经签过到啦';
    case 'insufficient_balance':
      return '积分不够';
    case 'makeup_limit_reached':
      return '本周期补签次数已用完';
    case 'out_of_stock':
      return '已兑完';
    default:
      return error.message;
  }
}

/** The calendar as the WXML draws it. */
function calendarView(calendar) {
  return {
    streak: calendar.streak,
    checkedToday: calendar.checked_today,
    pointsToday: calendar.points_today,
    next: calendar.next_milestone
      ? { left: calendar.next_milestone.checkins_left, points: calendar.next_milestone.milestone.points }
      : null,
    days: calendar.days.map((d) => ({
      day: d.day,
      label: d.day.slice(5),
      status: d.status,
      today: d.today,
      mark: STATUS_MARK[d.status],
      canMakeUp: d.can_make_up,
    })),
  };
}

/** The wallet as the WXML draws it. */
function walletView(wallet, doc) {
  const soonest = wallet.expiring[0];
  return {
    balance: wallet.balance,
    expiring: soonest ? `${soonest.points} 积分将于 ${soonest.last_day} 后过期` : '',
    history: wallet.history
      .slice(0, HISTORY_LINES_SHOWN)
      .map((line) => ({ text: reasonText(line.reason, doc), points: line.points })),
    rewards: wallet.rewards.map((r) => ({
      reward: r.reward,
      name: rewardName(doc, r.reward),
      cost: r.cost,
      affordable: r.affordable,
    })),
  };
}

Page({
  data: { loading: true, calendar: null, wallet: null, pending: 0, message: '' },

  async onLoad() {
    try {
      this.client = await app.siyu();
    } catch (error) {
      this.setData({ loading: false, message: `加载失败：${error.message}` });
      return;
    }
    this.refresh();
    await this.sync();
  },

  // Back on screen (the app was in the background, maybe offline): show the local state at
  // once, then send what is pending and take the server's truth.
  onShow() {
    if (!this.client) return;
    this.refresh();
    this.sync();
  },

  refresh(message) {
    const client = this.client;
    this.setData({
      loading: false,
      calendar: calendarView(client.calendar()),
      wallet: walletView(client.wallet(), client.campaignDoc),
      pending: client.pending.length,
      message: message === undefined ? this.data.message : message,
    });
  },

  /** Applies at once, then syncs; a refusal is shown, never thrown (and changes nothing). */
  act(record, done) {
    let applied;
    try {
      applied = record();
    } catch (error) {
      this.refresh(refusalText(error));
      return Promise.resolve();
    }
    const points = applied.entries.reduce((sum, e) => sum + (e.movement.kind === 'earn' ? e.points : -e.points), 0);
    this.refresh(points > 0 ? `${done} +${points} 积分` : done);
    return this.sync();
  },

  onCheckin() {
    return this.act(() => this.client.checkin(), '签到成功');
  },

  onMakeup(event) {
    const { day } = event.currentTarget.dataset;
    return this.act(() => this.client.makeup(day), `补签 ${day}`);
  },

  onRedeem(event) {
    const { reward } = event.currentTarget.dataset;
    return this.act(() => this.client.redeem(reward), '兑换成功');
  },

  /** Pushes what is pending; offline, it waits for the next try. */
  async sync() {
    try {
      const outcome = await this.client.sync();
      const refused = outcome.results.filter((r) => r.status === 'rejected');
      this.refresh(refused.length ? `服务器未接受：${refused.map((r) => refusalText(r)).join('；')}` : undefined);
    } catch (error) {
      if (error.code !== 'network') this.refresh(`同步失败：${error.message}`);
      // Offline with nothing to send is no news.
      else if (this.client.pending.length > 0) this.refresh('网络不可用，稍后自动同步');
    }
  },
});
