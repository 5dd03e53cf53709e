//! `yanshi serve`: the flags checked before anything is opened, the demo school, the web
//! server, the notification worker and the afternoon sweep on every instance.

use super::*;
use crate::say::{arg, refuse};

pub(crate) async fn serve(cli: &Cli, file: &FileConfig, args: &ServeArgs) -> anyhow::Result<()> {
    let demo = args.demo.or(file.demo).unwrap_or(false);
    // Every flag is checked, and the port taken, before the database is opened or the demo
    // school built: a mistyped flag creates and changes nothing.
    let listen = args
        .listen
        .clone()
        .or(file.listen.clone())
        .unwrap_or_else(|| config::DEFAULT_LISTEN.into());
    let listen = config::listen(&listen)?;
    let public_url = args
        .public_url
        .clone()
        .or(file.public_url.clone())
        .map(|u| config::public_url(&u))
        .transpose()?;
    let rehearsal = rehearsal(demo, args.demo_time.as_deref(), args.demo_speed)?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| refuse("cli-listen-failed", arg("listen", &listen).text("error", e.to_string())))?;
    let (store, url) = open(cli, file).await?;
    let clock = school_clock(rehearsal);
    if demo {
        let started = std::time::Instant::now();
        demo::ensure(&store, clock.now(), args.demo_schools.clamp(1, 50)).await?;
        tracing::info!(schools = args.demo_schools, seconds = started.elapsed().as_secs_f32(), "demo ready");
    }
    let mut web = WebConfig {
        demo,
        ..WebConfig::default()
    };
    web.cookie_secure = args.cookie_secure.or(file.cookie_secure).unwrap_or(false);
    web.behind_proxy = args.behind_proxy.or(file.behind_proxy).unwrap_or(false);
    if let Some(m) = file.session_idle_minutes {
        web.session.idle = time::Duration::minutes(m.clamp(5, 24 * 60));
    }
    if let Some(h) = file.session_absolute_hours {
        web.session.absolute = time::Duration::hours(h.clamp(1, 24 * 30));
    }
    web.metrics_token = args.metrics_token.clone().or(file.metrics_token.clone()).filter(|t| !t.is_empty());
    web.hsts = args.hsts.or(file.hsts).unwrap_or(false);
    let addr = listener.local_addr()?;
    web.public_url = match public_url {
        Some(u) => u,
        None => {
            if !demo {
                tracing::warn!(%addr, "no public_url is set: invitation slips link to the listen address");
            }
            format!("http://{addr}")
        }
    };

    let instance = format!("{}-{}", std::process::id(), addr.port());
    let worker = yanshi_notify::Worker::new(
        store.clone(),
        clock.clone(),
        yanshi_notify::Deliverer::new(file.smtp.clone()),
        instance,
    );
    let waker = worker.waker();
    let state = AppState::new(store.clone(), clock.clone(), web, waker.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut worker_stop = stop_rx.clone();
    let worker_task = tokio::spawn(worker.run(async move {
        let _ = worker_stop.changed().await;
    }));
    let late_task = tokio::spawn(late_pickup_watch(store.clone(), clock, waker, stop_rx.clone()));
    let sweep_task = tokio::spawn(yanshi_web::sweep::run(state.clone(), stop_rx.clone()));

    println!(
        "yanshi {} · {} · http://{addr}",
        env!("CARGO_PKG_VERSION"),
        yanshi_store::redact_url(&url)
    );
    if demo {
        demo::print_accounts();
    }
    tracing::info!(%addr, backend = store.backend().name(), demo, "listening");
    let shutdown = async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    yanshi_web::serve(listener, state, shutdown).await?;
    let _ = worker_task.await;
    let _ = late_task.await;
    let _ = sweep_task.await;
    store.close().await;
    Ok(())
}

/// A rehearsal (演练) asked for with --demo-time / --demo-speed: where the school's clock
/// starts (`None`: now) and how fast it runs. Outside demo mode the flags are refused: a
/// school's records never run on a pretend clock.
struct Rehearsal {
    start: Option<time::OffsetDateTime>,
    speed: u32,
}

fn rehearsal(demo: bool, at: Option<&str>, speed: Option<u32>) -> anyhow::Result<Option<Rehearsal>> {
    if at.is_none() && speed.is_none() {
        // The demo outside the afternoon starts at 16:30 today (see demo_afternoon).
        return Ok(demo_afternoon(demo).map(|start| Rehearsal {
            start: Some(start),
            speed: 1,
        }));
    }
    if !demo {
        return Err(refuse("cli-demo-flags-need-demo", yanshi_i18n::Args::new()));
    }
    let max = yanshi_domain::clock::RehearsalClock::MAX_SPEED;
    let speed = speed.unwrap_or(1);
    if !(1..=max).contains(&speed) {
        return Err(refuse("cli-demo-speed", arg("max", max)));
    }
    let start = match at {
        None => None,
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
            // One message, with the expected form; the parser's own words add nothing.
            let local = time::PrimitiveDateTime::parse(text.trim(), &format)
                .map_err(|_| refuse("cli-demo-time", arg("value", format!("{text:?}"))))?;
            let offset =
                yanshi_domain::school_time::offset_of(yanshi_domain::school_time::DEFAULT_TIME_ZONE).unwrap_or(time::UtcOffset::UTC);
            Some(local.assume_offset(offset).to_offset(time::UtcOffset::UTC))
        }
    };
    Ok(Some(Rehearsal { start, speed }))
}

/// The real clock, or the rehearsal clock, started now.
fn school_clock(rehearsal: Option<Rehearsal>) -> Arc<dyn Clock> {
    let Some(Rehearsal { start, speed }) = rehearsal else {
        return Arc::new(SystemClock);
    };
    let start = start.unwrap_or_else(|| SystemClock.now());
    tracing::info!(%start, speed, "rehearsal clock");
    Arc::new(yanshi_domain::clock::RehearsalClock::new(Arc::new(SystemClock), start, speed))
}

/// The demo school is tried at any hour: outside the afternoon (15:30–18:00 Beijing time) its
/// clock starts at 16:30 today, so the door is open and the afternoon can be walked through.
fn demo_afternoon(demo: bool) -> Option<time::OffsetDateTime> {
    if !demo {
        return None;
    }
    let zone = yanshi_domain::school_time::DEFAULT_TIME_ZONE;
    let now = yanshi_domain::school_time::local(SystemClock.now(), zone);
    let afternoon = time::macros::time!(15:30)..time::macros::time!(18:00);
    (!afternoon.contains(&now.time())).then(|| yanshi_domain::school_time::at(now.date(), time::macros::time!(16:30), zone))
}

/// 迟接 — every 30 s of school time, fire the late-pickup steps that are due (and the duty leader's escalations), then
/// the duty reminders (值班提醒). Each is recorded once under a unique key, so several instances may all run this.
async fn late_pickup_watch(
    store: Store,
    clock: Arc<dyn Clock>,
    wake: Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    // Every 30 seconds of school time: a 60× rehearsal sweeps twice a real second, so its
    // late-pickup steps fire when the school's clock says, not up to half a minute later.
    let every = std::time::Duration::from_secs(30) / clock.speed().max(1);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        match store.afternoon_sweep(clock.now()).await {
            Ok(0) => {}
            Ok(fired) => {
                tracing::info!(fired, "late-pickup steps");
                wake.notify_one();
            }
            Err(e) => tracing::error!(error = %e, "late-pickup sweep failed"),
        }
        // 值班提醒: the next day's duties, from 17:00 the day before, once per person and day.
        match store.duty_reminder_sweep(clock.now()).await {
            Ok(0) => {}
            Ok(sent) => {
                tracing::info!(sent, "duty reminders");
                wake.notify_one();
            }
            Err(e) => tracing::error!(error = %e, "duty reminder sweep failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
