// A host written against the package's declarations; `cargo xtask test` type-checks it with
// `tsc -p js/tsconfig.json` (never run). If a declaration drifts from the API, this stops
// compiling.

import {
  Campaign,
  Client,
  Outbox,
  createClient,
  init,
  initWx,
  loadCampaign,
  wxAdapters,
  type Applied,
  type Calendar,
  type CampaignDoc,
  type ClientOp,
  type HostRequest,
  type HostStorage,
  type MemberState,
  type OpResult,
  type Question,
  type QuizProgress,
  type QuizResult,
  type Rebased,
  type Received,
  type SiyuError,
  type SyncOutcome,
  type Wallet,
  type WxLike,
} from '../pkg/siyu.js';

declare const doc: CampaignDoc;
declare const wx: WxLike;

async function engine(): Promise<void> {
  await init({ wasm: new Uint8Array(0) });
  await initWx({ path: '/siyu/engine_bg.wasm' });
  const campaign: Campaign = loadCampaign(doc);
  const again: Campaign = Campaign.load(JSON.stringify(campaign.toJSON()));
  const id: string = again.id;
  const revision: number = again.revision;
  let state: MemberState = campaign.newMember(`m-${id}-${revision}`);
  const op: ClientOp = { id: 'op-1', occurred_at: Date.now(), op: { type: 'checkin' } };
  const applied: { result: Applied; state: MemberState } = campaign.apply(state, op, { now: Date.now() });
  state = applied.state;
  const fingerprint: string = applied.result.fingerprint;
  const decided: Applied = campaign.decide(state, op, { now: Date.now(), actor: 'customer', stockTaken: { x: 1 } });
  const rebased: Rebased = campaign.rebase(state, [op], { now: Date.now() });
  const question: Question | null = campaign.nextQuestion({ q1: { choice: 'a' }, q2: { choices: ['b'] }, q3: { scale: 3 } });
  const progress: QuizProgress = campaign.progress({});
  campaign.checkAnswers({});
  const result: QuizResult = campaign.scoreQuiz({});
  const calendar: Calendar | null = campaign.calendar(state, Date.now());
  const wallet: Wallet = campaign.wallet(state, Date.now(), undefined);
  const walletNow: Wallet = campaign.wallet(state, Date.now());
  void walletNow;
  const outbox = Outbox.open(campaign, { device: 'd1', now: Date.now(), saved: null });
  const recorded: Applied = outbox.record({ type: 'redeem', reward: 'sample' }, Date.now());
  const received: Received = outbox.receive('{}', Date.now());
  const answered: string[] = received.answered;
  const body: string = outbox.nextBatch();
  const saved: string = outbox.save();
  const count: number = outbox.pendingCount;
  void [fingerprint, decided, rebased, question, progress, result, calendar, wallet, recorded, received, answered, body, saved, count];
  if (calendar) {
    const statuses: string[] = calendar.days.map((d) => d.status);
    void statuses;
  }
  for (const line of wallet.history) {
    if (line.reason.why === 'redemption') {
      const reward: string = line.reason.reward;
      void reward;
    }
  }
}

async function client(storage: HostStorage, request: HostRequest): Promise<SyncOutcome> {
  const app: Client = await createClient({ baseUrl: 'https://siyu.example', campaignId: 'glow-skin', storage, request });
  const fromWx: Client = await createClient({ baseUrl: 'https://siyu.example', campaign: doc, ...wxAdapters(wx) });
  app.checkin();
  app.makeup('2026-11-20');
  app.submitQuiz({ q1: { choice: 'a' } });
  app.redeem('sample-serum');
  const wallet: Wallet = fromWx.wallet();
  void wallet;
  try {
    const outcome = await app.sync();
    const first: OpResult | undefined = outcome.results[0];
    if (first && first.status === 'rejected') {
      const rule: string = first.rejection.rule;
      void rule;
    }
    return outcome;
  } catch (caught) {
    const error = caught as SiyuError;
    if (error.code === 'invalid_campaign' && error.problems) {
      const paths: string[] = error.problems.map((p) => p.path);
      void paths;
    }
    throw error;
  }
}

void engine;
void client;
