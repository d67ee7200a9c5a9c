//! One shared store per (endpoint, campaign) on a page: every widget of that campaign reads
//! the same [`Member`] and subscribes to its changes, so a check-in in one widget shows in the
//! wallet of another at once.
//!
//! The store persists what must survive a reload or a closed tab (the campaign, the server's
//! last word, the outbox, the session) in `localStorage`, and syncs:
//!
//! - after every action, when the browser comes back online, and on a back-off timer after a
//!   failure (1 s, doubling, at most a minute; `Retry-After` when the server sends one);
//! - in batches of the oldest pending operations, rebasing what is left on the server's answer;
//! - from one tab at a time: a lock in `localStorage` with an expiry names the tab that syncs;
//!   the others see its results through `storage` events. Operation ids make a double send
//!   harmless anyway (the server answers `duplicate`), the lock just avoids it. A tab whose
//!   sync failed keeps the lock through its back-off, so that the others do not each try at
//!   once; a tab that closes lets go at once.
//!
//! **Known limit:** `localStorage` has no compare-and-swap, so two tabs acting within the same
//! few milliseconds could each write the outbox over the other's; the lock and the short
//! read-modify-write keep the window tiny.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use serde::{Deserialize, Serialize};
use siyu_core::ids::OpId;
use siyu_core::op::{Event, Op};
use siyu_core::protocol::{SyncRequest, PROTOCOL_VERSION, SYNC_BATCH_OPS_MAX};
use siyu_core::{Applied, Campaign, ClientOp, Rejection, Timestamp};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser::{self, FetchError};
use crate::member::{Member, Rule, SyncAnswer};

/// How long a tab's sync lock lasts unless renewed, in ms.
const SYNC_LOCK_MS: i64 = 15_000;
/// How long a lock held through a back-off outlasts the holder's own retry, in ms.
const SYNC_LOCK_MARGIN_MS: i64 = 1_000;
/// The first back-off after a failed sync, in ms.
const RETRY_FIRST_MS: u32 = 1_000;
/// The longest back-off, in ms.
const RETRY_MAX_MS: u32 = 60_000;
/// Batches one sync sends before it yields (a long outbox drains over several syncs).
const SYNC_ROUNDS_MAX: usize = 5;
/// A session is renewed this long before it expires, in ms.
const SESSION_MARGIN_MS: i64 = 60_000;

thread_local! {
    static STORES: RefCell<Vec<Rc<Store>>> = const { RefCell::new(Vec::new()) };
    /// The member token the host page gave `Siyu.identify`, for every store on the page.
    static IDENTITY: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Where the store is in loading its campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Fetching the campaign.
    Loading,
    /// No campaign: the network failed and nothing is cached.
    Failed,
    /// The server has no such campaign (a mistyped id, or one not published yet).
    Missing,
    /// The member is there.
    Ready,
}

/// The widgets a page can embed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetKind {
    /// `<siyu-quiz>`.
    Quiz,
    /// `<siyu-checkin>`.
    Checkin,
    /// `<siyu-wallet>`.
    Wallet,
}

impl WidgetKind {
    /// The widget whose actions send `op`.
    pub fn of(op: &Op) -> Self {
        match op {
            Op::SubmitQuiz { .. } => Self::Quiz,
            Op::Checkin {} | Op::MakeupCheckin { .. } => Self::Checkin,
            _ => Self::Wallet,
        }
    }
}

/// A refusal from the server, explained until the customer dismisses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Its id, for dismissing.
    pub id: u32,
    /// The operation refused.
    pub op: ClientOp,
    /// The rule it broke, as the server sent it.
    pub rejection: Rule,
}

/// What the widgets read.
#[derive(Debug)]
pub struct Inner {
    /// Loading state.
    pub phase: Phase,
    /// The member, once the campaign is there.
    pub member: Option<Member>,
    /// The server's clock minus the device's, as last measured.
    pub offset_ms: i64,
    /// A sync is in flight.
    pub syncing: bool,
    /// The last sync reached the server (or none failed yet).
    pub online: bool,
    /// The server refused a whole sync (not one operation): what it said.
    pub sync_error: Option<String>,
    /// Refusals to explain.
    pub notices: Vec<Notice>,
    next_notice: u32,
    retry_ms: u32,
    retry: Option<Timeout>,
    etag: Option<String>,
}

/// A session as stored on the device.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    token: String,
    expires_at: i64,
    member: String,
    /// The member token this session was bound with, if any.
    #[serde(default)]
    bound: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SessionAnswer {
    token: String,
    expires_at: i64,
    member: String,
    server_time: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct SyncLock {
    tab: String,
    until: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedCampaign {
    etag: Option<String>,
    json: String,
}

/// Why a sync stopped early.
#[derive(Debug)]
enum SyncStop {
    /// Another tab holds the lock until then (device ms).
    Locked(i64),
    /// No network.
    Offline,
    /// The server asked to wait this many seconds.
    RetryAfter(u32),
    /// The server refused the request as a whole.
    Refused(String),
}

/// What `Siyu.identify` rejects with when a sync stops: words for the brand's developer.
impl std::fmt::Display for SyncStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncStop::Locked(_) => f.write_str("another tab is syncing; try again shortly"),
            SyncStop::Offline => f.write_str(
                "offline: the operations wait on this device, and it signs in as the member by itself once back online",
            ),
            SyncStop::RetryAfter(seconds) => {
                write!(
                    f,
                    "the server asked to wait {seconds} s before the next sync"
                )
            }
            SyncStop::Refused(why) => write!(f, "the server refused: {why}"),
        }
    }
}

/// A subscriber to a store's changes.
type Listener = Rc<dyn Fn()>;

/// A listener and where its widget is on the page.
struct Subscriber {
    id: u32,
    /// Mount order of the widget (see [`Store::subscribe_at`]).
    place: u32,
    listener: Listener,
}

/// The shared store of one campaign on one endpoint.
pub struct Store {
    /// The API's base URL, without a trailing slash.
    pub endpoint: String,
    /// The campaign id.
    pub campaign_id: String,
    prefix: String,
    tab: String,
    inner: RefCell<Inner>,
    listeners: RefCell<Vec<Subscriber>>,
    /// Listeners still waiting for their turn to show the first content
    /// ([`Store::notify_in_turn`]).
    waiting: RefCell<Vec<u32>>,
    next_listener: Cell<u32>,
    dom_listeners: RefCell<Vec<EventListener>>,
    mounted: RefCell<Vec<WidgetKind>>,
    /// The stored answer text last read, to tell when another tab stored a new one.
    server_text: RefCell<Option<String>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("endpoint", &self.endpoint)
            .field("campaign", &self.campaign_id)
            .finish_non_exhaustive()
    }
}

/// A store as a yew property: equal when it is the same store.
#[derive(Debug, Clone)]
pub struct StoreHandle(pub Rc<Store>);

impl PartialEq for StoreHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for StoreHandle {
    type Target = Rc<Store>;
    fn deref(&self) -> &Rc<Store> {
        &self.0
    }
}

/// The store for `(endpoint, campaign)`, created (and started) on first use. `prefetched` is
/// the campaign's JSON text the loader may already be fetching.
pub fn store_for(endpoint: &str, campaign: &str, prefetched: Option<js_sys::Promise>) -> Rc<Store> {
    let endpoint = endpoint.trim_end_matches('/').to_owned();
    if let Some(store) = STORES.with(|stores| {
        stores
            .borrow()
            .iter()
            .find(|s| s.endpoint == endpoint && s.campaign_id == campaign)
            .cloned()
    }) {
        return store;
    }
    let store = Rc::new(Store::new(endpoint, campaign.to_owned()));
    STORES.with(|stores| stores.borrow_mut().push(store.clone()));
    store.start(prefetched);
    store
}

/// Binds every store on the page to the brand's member (`Siyu.identify`): pending operations
/// are sent as the device first, then the device is bound, then the member's state pulled.
pub async fn identify(member_token: String) -> Result<(), String> {
    IDENTITY.with(|id| *id.borrow_mut() = Some(member_token));
    let stores = STORES.with(|s| s.borrow().clone());
    for store in stores {
        store.sync_until_done().await?;
    }
    Ok(())
}

/// Forgets every store (tests).
pub fn reset_for_tests() {
    STORES.with(|s| s.borrow_mut().clear());
    IDENTITY.with(|id| *id.borrow_mut() = None);
}

impl Store {
    fn new(endpoint: String, campaign_id: String) -> Self {
        let prefix = format!("siyu:1:{endpoint}|{campaign_id}:");
        Store {
            endpoint,
            campaign_id,
            prefix,
            tab: browser::random_id("tab"),
            inner: RefCell::new(Inner {
                phase: Phase::Loading,
                member: None,
                offset_ms: 0,
                syncing: false,
                online: browser::online(),
                sync_error: None,
                notices: Vec::new(),
                next_notice: 1,
                retry_ms: RETRY_FIRST_MS,
                retry: None,
                etag: None,
            }),
            listeners: RefCell::new(Vec::new()),
            waiting: RefCell::new(Vec::new()),
            next_listener: Cell::new(1),
            dom_listeners: RefCell::new(Vec::new()),
            mounted: RefCell::new(Vec::new()),
            server_text: RefCell::new(None),
        }
    }

    /// The storage key of one of this store's records.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Reads the store.
    pub fn read(&self) -> std::cell::Ref<'_, Inner> {
        self.inner.borrow()
    }

    /// Reads the member with the server-corrected clock, for a widget's render.
    ///
    /// # Panics
    /// Before the member is there: widgets are mounted only once it is.
    pub fn with_member<R>(&self, read: impl FnOnce(&Member, Timestamp) -> R) -> R {
        let inner = self.inner.borrow();
        let member = inner
            .member
            .as_ref()
            .expect("widgets render once the member is there");
        read(member, browser::now(inner.offset_ms))
    }

    /// Whether the member's state still holds operation `op`: one the server refused was
    /// rolled back out of it, and what it did is no longer to be shown as done.
    pub fn still_applied(&self, op: &OpId) -> bool {
        self.with_member(|member, _| member.local().applied.contains_key(op))
    }

    /// The device's clock corrected to the server's.
    pub fn now(&self) -> Timestamp {
        browser::now(self.inner.borrow().offset_ms)
    }

    /// Calls `listener` after every change; returns its id for [`Store::unsubscribe`].
    pub fn subscribe(&self, listener: Rc<dyn Fn()>) -> u32 {
        self.subscribe_at(u32::MAX, listener)
    }

    /// [`Store::subscribe`] for a widget's root: `place` is its mount order, which is the page's
    /// order, and sets the order in which widgets show their first content
    /// ([`Store::notify_in_turn`]).
    pub fn subscribe_at(&self, place: u32, listener: Rc<dyn Fn()>) -> u32 {
        let id = self.next_listener.get();
        self.next_listener.set(id + 1);
        self.listeners.borrow_mut().push(Subscriber {
            id,
            place,
            listener,
        });
        id
    }

    /// Stops calling a listener.
    pub fn unsubscribe(&self, id: u32) {
        self.listeners.borrow_mut().retain(|s| s.id != id);
    }

    fn notify(&self) {
        let waiting = self.waiting.borrow();
        let listeners: Vec<Rc<dyn Fn()>> = self
            .listeners
            .borrow()
            .iter()
            .filter(|s| !waiting.contains(&s.id))
            .map(|s| s.listener.clone())
            .collect();
        drop(waiting);
        for listener in listeners {
            listener();
        }
    }

    /// [`Store::notify`] for the first content after loading: one listener per frame, in the
    /// widgets' order on the page. Rendering every widget of a page at once is one long task,
    /// and the first widget would show only when the last is done; this way the top of the
    /// page shows first and the page stays responsive. Changes meanwhile skip the widgets
    /// still waiting: they read the latest state in their turn.
    fn notify_in_turn(self: &Rc<Self>) {
        let ids: Vec<u32> = self.listeners.borrow().iter().map(|s| s.id).collect();
        let running = !self.waiting.borrow().is_empty();
        *self.waiting.borrow_mut() = ids;
        if !running {
            self.clone().next_in_turn();
        }
    }

    /// Calls the waiting listener first on the page. One removed from the page meanwhile has
    /// unsubscribed and is no longer found.
    fn next_in_turn(self: Rc<Self>) {
        let next = {
            let waiting = self.waiting.borrow();
            self.listeners
                .borrow()
                .iter()
                .filter(|s| waiting.contains(&s.id))
                .min_by_key(|s| s.place)
                .map(|s| (s.id, s.listener.clone()))
        };
        let Some((id, listener)) = next else {
            self.waiting.borrow_mut().clear();
            return;
        };
        self.waiting.borrow_mut().retain(|w| *w != id);
        listener();
        if !self.waiting.borrow().is_empty() {
            browser::after_next_paint(move || self.next_in_turn());
        }
    }

    /// Loads the campaign (cache first, then the network) and starts syncing.
    fn start(self: &Rc<Self>, prefetched: Option<js_sys::Promise>) {
        if let Some(cached) = browser::load::<CachedCampaign>(&self.key("campaign")) {
            if let Ok(campaign) = browser::from_json::<Campaign>(&cached.json) {
                self.inner.borrow_mut().etag = cached.etag;
                self.set_campaign(campaign);
            }
        }
        self.listen();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            this.load_campaign(prefetched).await;
            this.sync_now();
        });
    }

    /// Fetches the campaign (or takes the loader's prefetch); keeps the cached one when the
    /// network fails or the server says it has not changed.
    async fn load_campaign(self: &Rc<Self>, prefetched: Option<js_sys::Promise>) {
        let mut fetched: Option<(String, Option<String>)> = None;
        if let Some(promise) = prefetched {
            if let Ok(text) = JsFuture::from(promise).await {
                fetched = text.as_string().map(|t| (t, None));
            }
        }
        let mut missing = false;
        if fetched.is_none() {
            let etag = self.inner.borrow().etag.clone();
            let url = format!("{}/v1/campaigns/{}", self.endpoint, self.campaign_id);
            match browser::request("GET", &url, None, None, etag.as_deref()).await {
                Ok(answer) if answer.status == 200 => fetched = Some((answer.body, answer.etag)),
                Err(FetchError::Status {
                    status: 400 | 404,
                    message,
                    ..
                }) => {
                    missing = true;
                    // For the marketer who embedded it: which id, where, and why.
                    web_sys::console::error_1(
                        &format!(
                            "siyu: no campaign \"{}\" at {}: {message}",
                            self.campaign_id, self.endpoint
                        )
                        .into(),
                    );
                }
                _ => {}
            }
        }
        if let Some((json, etag)) = fetched {
            if let Ok(campaign) = browser::from_json::<Campaign>(&json) {
                browser::save(&self.key("campaign"), &CachedCampaign { etag, json });
                // A published revision's content never changes (the server refuses the same
                // revision with other content): the id and revision say whether it is new.
                let changed = self.inner.borrow().member.as_ref().is_none_or(|m| {
                    let held = m.campaign();
                    held.id != campaign.id || held.revision != campaign.revision
                });
                if changed {
                    self.set_campaign(campaign);
                }
            }
        }
        let mut inner = self.inner.borrow_mut();
        if inner.member.is_none() {
            inner.phase = if missing {
                Phase::Missing
            } else {
                // The server or the network may be back in a moment: try again by itself
                // (backing off), as well as when the customer taps "try again" or the
                // browser comes back online.
                let weak = Rc::downgrade(self);
                let wait = next_backoff(&mut inner.retry_ms);
                inner.retry = Some(Timeout::new(wait, move || {
                    if let Some(this) = weak.upgrade() {
                        if this.read().phase == Phase::Failed {
                            this.retry_load();
                        }
                    }
                }));
                Phase::Failed
            };
            drop(inner);
            self.notify();
        }
    }

    fn set_campaign(self: &Rc<Self>, campaign: Campaign) {
        let mut inner = self.inner.borrow_mut();
        let first_content = inner.phase == Phase::Loading;
        inner.offset_ms = browser::load(&self.key("offset")).unwrap_or(0);
        let now = browser::now(inner.offset_ms);
        let server = self.stored_answer().map(|a| a.snapshot);
        let outbox = browser::load::<Vec<ClientOp>>(&self.key("outbox")).unwrap_or_default();
        inner.member = Some(Member::new(Rc::new(campaign), server, outbox, now));
        inner.phase = Phase::Ready;
        drop(inner);
        if first_content {
            self.notify_in_turn();
        } else {
            self.notify();
        }
    }

    /// Tries to load again after a failure (the customer's "try again").
    pub fn retry_load(self: &Rc<Self>) {
        self.inner.borrow_mut().phase = Phase::Loading;
        self.notify();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            this.load_campaign(None).await;
            this.sync_now();
        });
    }

    /// Listens for other tabs' changes and for the network coming back.
    fn listen(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let weak = Rc::downgrade(self);
        let storage = EventListener::new(&window, "storage", move |event| {
            let Some(this) = weak.upgrade() else { return };
            let Some(event) = event.dyn_ref::<web_sys::StorageEvent>() else {
                return;
            };
            let Some(key) = event.key() else { return };
            if key == this.key("outbox") || key == this.key("server") {
                this.reload_from_storage();
                this.notify();
            } else if key == this.key("lock") && event.new_value().is_none() {
                // The syncing tab let go; whatever is still pending is ours to send.
                let pending = this
                    .read()
                    .member
                    .as_ref()
                    .is_some_and(|m| !m.outbox().is_empty());
                if pending {
                    this.sync_now();
                }
            }
        });
        let weak = Rc::downgrade(self);
        let online = EventListener::new(&window, "online", move |_| {
            if let Some(this) = weak.upgrade() {
                this.inner.borrow_mut().retry_ms = RETRY_FIRST_MS;
                if this.read().phase == Phase::Failed {
                    this.retry_load();
                } else {
                    this.sync_now();
                }
            }
        });
        let weak = Rc::downgrade(self);
        let offline = EventListener::new(&window, "offline", move |_| {
            if let Some(this) = weak.upgrade() {
                this.inner.borrow_mut().online = false;
                this.notify();
            }
        });
        // A tab that goes away mid-sync lets go of the lock at once rather than at its expiry.
        let weak = Rc::downgrade(self);
        let pagehide = EventListener::new(&window, "pagehide", move |_| {
            if let Some(this) = weak.upgrade() {
                this.release_lock();
            }
        });
        self.dom_listeners
            .borrow_mut()
            .extend([storage, online, offline, pagehide]);
    }

    /// The server's last answer as this device stored it (its JSON text, as it came).
    fn stored_answer(&self) -> Option<SyncAnswer> {
        SyncAnswer::parse(&browser::load_text(&self.key("server"))?).ok()
    }

    /// Takes the outbox and the server's last word from storage (another tab may have
    /// changed them).
    fn reload_from_storage(&self) {
        let text = browser::load_text(&self.key("server"));
        let server_changed = text.is_some() && *self.server_text.borrow() != text;
        let server = if server_changed {
            *self.server_text.borrow_mut() = text.clone();
            text.and_then(|t| SyncAnswer::parse(&t).ok())
                .map(|a| a.snapshot)
        } else {
            None
        };
        let mut inner = self.inner.borrow_mut();
        let now = browser::now(inner.offset_ms);
        let outbox = browser::load::<Vec<ClientOp>>(&self.key("outbox"));
        if let Some(member) = inner.member.as_mut() {
            if server.is_some() {
                member.set_server(server, now);
            }
            if let Some(outbox) = outbox {
                if outbox != member.outbox() {
                    member.set_outbox(outbox, now);
                }
            }
        }
    }

    /// Decides an action with the core rules on the local state; when accepted it is applied
    /// at once, queued in the persisted outbox, announced to the host page (`siyu:*` events on
    /// `origin`), and a sync is started.
    pub fn perform(
        self: &Rc<Self>,
        op: Op,
        origin: Option<&web_sys::EventTarget>,
    ) -> Result<Applied, Rejection> {
        let now = self.now();
        let id = browser::random_id("w")
            .parse()
            .unwrap_or_else(|_| unreachable!("random ids are valid ids"));
        let client_op = ClientOp {
            id,
            occurred_at: now,
            op,
        };
        self.reload_from_storage();
        let applied = {
            let mut inner = self.inner.borrow_mut();
            let Some(member) = inner.member.as_mut() else {
                return Err(Rejection::NotPermitted {
                    what: "the campaign has not loaded yet".into(),
                });
            };
            let applied = member.perform(client_op, now)?;
            browser::save(&self.key("outbox"), member.outbox());
            applied
        };
        self.notify();
        if let Some(origin) = origin {
            self.announce(origin, &applied);
        }
        self.sync_now();
        Ok(applied)
    }

    /// Dispatches the host page's events for an accepted action.
    fn announce(&self, origin: &web_sys::EventTarget, applied: &Applied) {
        #[derive(Serialize)]
        struct Detail<'a> {
            campaign: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            day: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            made_up: Option<bool>,
            #[serde(skip_serializing_if = "Option::is_none")]
            streak: Option<u32>,
            #[serde(skip_serializing_if = "Option::is_none")]
            outcome: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            tags: Option<Vec<&'a str>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reward: Option<&'a str>,
            points: i64,
        }
        let blank = || Detail {
            campaign: &self.campaign_id,
            day: None,
            made_up: None,
            streak: None,
            outcome: None,
            tags: None,
            reward: None,
            points: applied.points_delta(),
        };
        for event in &applied.events {
            let (name, detail) = match event {
                Event::CheckedIn {
                    day, mark, streak, ..
                } => (
                    "checkin",
                    Detail {
                        day: Some(day.to_string()),
                        made_up: Some(*mark == siyu_core::checkin::Mark::MadeUp),
                        streak: Some(*streak),
                        ..blank()
                    },
                ),
                Event::QuizCompleted { result, .. } => (
                    "quiz-complete",
                    Detail {
                        outcome: Some(result.outcome.as_str()),
                        tags: Some(result.tags.iter().map(|t| t.as_str()).collect()),
                        ..blank()
                    },
                ),
                Event::Redeemed { reward, .. } => (
                    "redeem",
                    Detail {
                        reward: Some(reward.as_str()),
                        ..blank()
                    },
                ),
                _ => continue,
            };
            let detail = serde_json::to_string(&detail).unwrap_or_default();
            browser::dispatch(origin, name, &detail);
        }
    }

    /// Records a mounted widget (for routing notices); undo with [`Store::unmounted`].
    pub fn mounted(&self, kind: WidgetKind) {
        self.mounted.borrow_mut().push(kind);
    }

    /// Forgets one mounted widget of `kind`.
    pub fn unmounted(&self, kind: WidgetKind) {
        let mut mounted = self.mounted.borrow_mut();
        if let Some(i) = mounted.iter().position(|k| *k == kind) {
            mounted.remove(i);
        }
    }

    /// Whether `kind`'s sync status is the one a screen reader hears: the store's widgets all
    /// show the same status, and three live regions read each change three times.
    pub fn announces_status(&self, kind: WidgetKind) -> bool {
        self.mounted
            .borrow()
            .first()
            .is_none_or(|first| *first == kind)
    }

    /// The notices `kind` explains: those of its own actions, and those whose widget is not
    /// on the page (the first widget mounted takes them).
    pub fn notices_for(&self, kind: WidgetKind) -> Vec<Notice> {
        let mounted = self.mounted.borrow();
        let home = |notice: &Notice| {
            let own = WidgetKind::of(&notice.op.op);
            if mounted.contains(&own) {
                own
            } else {
                mounted.first().copied().unwrap_or(own)
            }
        };
        self.inner
            .borrow()
            .notices
            .iter()
            .filter(|n| home(n) == kind)
            .cloned()
            .collect()
    }

    /// Removes a notice the customer has read.
    pub fn dismiss(&self, id: u32) {
        self.inner.borrow_mut().notices.retain(|n| n.id != id);
        self.notify();
    }

    /// Starts a sync unless one is running (its end starts another when more is pending).
    pub fn sync_now(self: &Rc<Self>) {
        {
            let mut inner = self.inner.borrow_mut();
            if inner.syncing || inner.member.is_none() {
                return;
            }
            inner.syncing = true;
            inner.retry = None;
        }
        self.notify();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = this.sync_rounds().await;
            this.finish_sync(outcome);
        });
    }

    /// Syncs until the outbox is empty (or a sync fails), waiting for a running one first.
    async fn sync_until_done(self: &Rc<Self>) -> Result<(), String> {
        while self.inner.borrow().syncing {
            gloo_timers::future::TimeoutFuture::new(50).await;
        }
        if self.inner.borrow().member.is_none() {
            return Ok(());
        }
        self.inner.borrow_mut().syncing = true;
        let outcome = self.sync_rounds().await;
        let result = match &outcome {
            Ok(()) => Ok(()),
            Err(stop) => Err(stop.to_string()),
        };
        self.finish_sync(outcome);
        result
    }

    fn finish_sync(self: &Rc<Self>, outcome: Result<(), SyncStop>) {
        let failed = matches!(
            outcome,
            Err(SyncStop::Offline | SyncStop::RetryAfter(_) | SyncStop::Refused(_))
        );
        let mut inner = self.inner.borrow_mut();
        inner.syncing = false;
        let pending = inner
            .member
            .as_ref()
            .is_some_and(|m| !m.outbox().is_empty());
        let wait_ms = match outcome {
            Ok(()) => {
                inner.online = true;
                inner.sync_error = None;
                inner.retry_ms = RETRY_FIRST_MS;
                pending.then_some(0)
            }
            Err(SyncStop::Locked(until)) => {
                Some((until - browser::device_now()).clamp(100, SYNC_LOCK_MS) as u32 + 100)
            }
            Err(SyncStop::Offline) => {
                inner.online = false;
                Some(next_backoff(&mut inner.retry_ms))
            }
            Err(SyncStop::RetryAfter(seconds)) => Some(seconds.saturating_mul(1_000).max(1_000)),
            Err(SyncStop::Refused(message)) => {
                inner.online = true;
                if inner.sync_error.as_ref() != Some(&message) {
                    web_sys::console::error_1(&format!("siyu: sync refused: {message}").into());
                }
                inner.sync_error = Some(message);
                Some(next_backoff(&mut inner.retry_ms))
            }
        };
        // After a failure this tab keeps the lock through its back-off: released, the other
        // tabs (woken by the release) would each try at once, fail, release in turn and wake
        // the first again — two tabs offline sent ~100 attempts a second between them.
        match (failed, wait_ms) {
            (true, Some(ms)) => self.hold_lock(ms),
            _ => self.release_lock(),
        }
        if let Some(ms) = wait_ms {
            let weak = Rc::downgrade(self);
            inner.retry = Some(Timeout::new(ms, move || {
                if let Some(this) = weak.upgrade() {
                    this.sync_now();
                }
            }));
        }
        drop(inner);
        self.notify();
    }

    async fn sync_rounds(self: &Rc<Self>) -> Result<(), SyncStop> {
        let mut renewed = false;
        for _ in 0..SYNC_ROUNDS_MAX {
            self.acquire_lock()?;
            self.reload_from_storage();
            let (batch, cursor) = {
                let inner = self.inner.borrow();
                let Some(member) = inner.member.as_ref() else {
                    return Ok(());
                };
                (member.batch(), member.server().and_then(|s| s.cursor))
            };
            // Operations made before the host page identified the member are sent as the
            // device first, then it signs in: signing in counts as the device's contact, and
            // what it claims as the member from then on cannot be earlier.
            let as_device = !batch.is_empty() && self.sends_pending_as_device_first();
            let session = self.session(!as_device).await?;
            let request = SyncRequest {
                version: PROTOCOL_VERSION,
                campaign: self.campaign_id.parse().map_err(|_| {
                    SyncStop::Refused(format!("\"{}\" is not a campaign id", self.campaign_id))
                })?,
                cursor,
                ops: batch,
            };
            let body = serde_json::to_string(&request)
                .unwrap_or_else(|_| unreachable!("requests serialise"));
            let url = format!("{}/v1/sync", self.endpoint);
            match browser::request("POST", &url, Some(&body), Some(&session.token), None).await {
                Ok(answer) => {
                    let parsed = SyncAnswer::parse(&answer.body).map_err(SyncStop::Refused)?;
                    self.take_answer(parsed, &answer.body);
                    if request.ops.len() < SYNC_BATCH_OPS_MAX && !as_device {
                        return Ok(());
                    }
                }
                Err(FetchError::Network) => return Err(SyncStop::Offline),
                Err(FetchError::Status { status: 401, .. }) if !renewed => {
                    // Expired by the server's clock (this device's may be behind) or unknown:
                    // renew it as the same device and try again once. Starting afresh would
                    // make a new device, which claims nothing from before it existed, and
                    // what is pending would be refused; `session` starts afresh only when the
                    // server no longer knows the device.
                    renewed = true;
                    if let Some(mut stale) = browser::load::<Session>(&self.key("session")) {
                        stale.expires_at = 0;
                        browser::save(&self.key("session"), &stale);
                    }
                }
                Err(FetchError::Status {
                    status: 429,
                    retry_after,
                    ..
                }) => return Err(SyncStop::RetryAfter(retry_after.unwrap_or(2))),
                Err(FetchError::Status { message, code, .. }) => {
                    return Err(SyncStop::Refused(format!("{code}: {message}")))
                }
            }
        }
        Ok(())
    }

    /// Applies the server's answer: the clock offset, the outbox (fresh from storage, so other
    /// tabs' new operations stay), refusals to explain, and the new local state. `text` is the
    /// answer as it came, which is what the device keeps.
    fn take_answer(self: &Rc<Self>, answer: SyncAnswer, text: &str) {
        let offset_ms = answer.snapshot.server_time.as_millis() - browser::device_now();
        browser::save(&self.key("offset"), &offset_ms);
        browser::save_text(&self.key("server"), text);
        *self.server_text.borrow_mut() = Some(text.to_owned());
        let fresh_outbox = browser::load::<Vec<ClientOp>>(&self.key("outbox"));
        let mut inner = self.inner.borrow_mut();
        inner.offset_ms = offset_ms;
        let now = browser::now(offset_ms);
        let Some(member) = inner.member.as_mut() else {
            return;
        };
        if let Some(outbox) = fresh_outbox {
            member.set_outbox(outbox, now);
        }
        let refusals = member.acknowledge(answer, now);
        browser::save(&self.key("outbox"), member.outbox());
        let document = web_sys::window().and_then(|w| w.document());
        for refusal in refusals {
            if let Some(document) = &document {
                let detail = format!(
                    r#"{{"campaign":{},"op":{},"rule":{}}}"#,
                    serde_json::to_string(&self.campaign_id).unwrap_or_default(),
                    serde_json::to_string(&refusal.op).unwrap_or_default(),
                    serde_json::to_string(&refusal.rejection.rule).unwrap_or_default(),
                );
                browser::dispatch(document, "rejected", &detail);
            }
            let id = inner.next_notice;
            inner.next_notice += 1;
            inner.notices.push(Notice {
                id,
                op: refusal.op,
                rejection: refusal.rejection,
            });
        }
    }

    /// Whether the host page identified a member this device, still anonymous, is not signed
    /// in as yet. (A device signed in as another member switches first: what is pending is
    /// the new member's.)
    fn sends_pending_as_device_first(&self) -> bool {
        let identity = IDENTITY.with(|id| id.borrow().clone());
        identity.is_some()
            && browser::load::<Session>(&self.key("session"))
                .is_none_or(|s| s.bound != identity && s.member.starts_with("device:"))
    }

    /// A valid session: the stored one, renewed (same device) when it is about to expire;
    /// when `sign_in`, bound to the member the host page identified (else the device's
    /// binding as it is).
    async fn session(&self, sign_in: bool) -> Result<Session, SyncStop> {
        let identity = IDENTITY.with(|id| id.borrow().clone()).filter(|_| sign_in);
        let stored = browser::load::<Session>(&self.key("session"));
        let fresh = |s: &Session| s.expires_at > browser::device_now() + SESSION_MARGIN_MS;
        if let Some(session) = &stored {
            let bound = identity.is_none() || session.bound == identity;
            if bound && fresh(session) {
                return Ok(session.clone());
            }
        }
        let url = format!("{}/v1/sessions", self.endpoint);
        let mut device_token = stored.as_ref().map(|s| s.token.clone());
        let member_token = identity
            .clone()
            .filter(|id| stored.as_ref().is_none_or(|s| s.bound.as_ref() != Some(id)));
        loop {
            #[derive(Serialize)]
            struct SessionRequest<'a> {
                campaign: &'a str,
                #[serde(skip_serializing_if = "Option::is_none")]
                device_token: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                member_token: Option<&'a str>,
            }
            let body = serde_json::to_string(&SessionRequest {
                campaign: &self.campaign_id,
                device_token: device_token.as_deref(),
                member_token: member_token.as_deref(),
            })
            .unwrap_or_else(|_| unreachable!("requests serialise"));
            match browser::request("POST", &url, Some(&body), None, None).await {
                Ok(answer) => {
                    let answer: SessionAnswer =
                        browser::from_json(&answer.body).map_err(SyncStop::Refused)?;
                    let bound = member_token
                        .clone()
                        .or_else(|| stored.as_ref().and_then(|s| s.bound.clone()));
                    let session = Session {
                        token: answer.token,
                        expires_at: answer.expires_at - answer.server_time + browser::device_now(),
                        member: answer.member,
                        bound,
                    };
                    browser::save(&self.key("session"), &session);
                    return Ok(session);
                }
                Err(FetchError::Network) => return Err(SyncStop::Offline),
                Err(FetchError::Status { code, message, .. })
                    if member_token.is_some() && code.contains("member_token") =>
                {
                    // The host page's member token is refused (forged, expired, another
                    // brand's): `Siyu.identify` rejects with why, and the widgets go on as the
                    // device they were, rather than failing every sync on the same token.
                    IDENTITY.with(|id| {
                        let mut id = id.borrow_mut();
                        if *id == member_token {
                            *id = None;
                        }
                    });
                    return Err(SyncStop::Refused(format!("{code}: {message}")));
                }
                Err(FetchError::Status { status, .. })
                    if device_token.is_some() && (status == 401 || status == 403) =>
                {
                    // The old device is unknown here (or too old): start as a new device.
                    device_token = None;
                }
                Err(FetchError::Status {
                    status: 429,
                    retry_after,
                    ..
                }) => return Err(SyncStop::RetryAfter(retry_after.unwrap_or(2))),
                Err(FetchError::Status { code, message, .. }) => {
                    return Err(SyncStop::Refused(format!("{code}: {message}")))
                }
            }
        }
    }

    fn acquire_lock(&self) -> Result<(), SyncStop> {
        let key = self.key("lock");
        let now = browser::device_now();
        if let Some(lock) = browser::load::<SyncLock>(&key) {
            if lock.tab != self.tab && lock.until > now {
                return Err(SyncStop::Locked(lock.until));
            }
        }
        let mine = SyncLock {
            tab: self.tab.clone(),
            until: now + SYNC_LOCK_MS,
        };
        if !browser::save(&key, &mine) {
            // No storage at all: no other tab can share our outbox either.
            return Ok(());
        }
        match browser::load::<SyncLock>(&key) {
            Some(lock) if lock.tab != self.tab => Err(SyncStop::Locked(lock.until)),
            _ => Ok(()),
        }
    }

    /// Keeps this tab's lock for `ms` more (its retry comes first); the other tabs wait.
    fn hold_lock(&self, ms: u32) {
        let key = self.key("lock");
        if browser::load::<SyncLock>(&key).is_some_and(|l| l.tab != self.tab) {
            return;
        }
        let lock = SyncLock {
            tab: self.tab.clone(),
            until: browser::device_now() + i64::from(ms) + SYNC_LOCK_MARGIN_MS,
        };
        browser::save(&key, &lock);
    }

    fn release_lock(&self) {
        let key = self.key("lock");
        if browser::load::<SyncLock>(&key).is_some_and(|l| l.tab == self.tab) {
            browser::remove(&key);
        }
    }
}

fn next_backoff(retry_ms: &mut u32) -> u32 {
    let wait = *retry_ms;
    *retry_ms = (*retry_ms * 2).min(RETRY_MAX_MS);
    // Up to a quarter more, so that many phones do not come back in lockstep.
    wait + (js_sys::Math::random() * f64::from(wait) / 4.0) as u32
}
