// A photo checked on the phone the moment it is taken or chosen, as the server will check it once it
// arrives (server/evidence/facts.py reviewer_flags): its EXIF capture time and GPS (read by exifr)
// against the inspection's start and place, with the tolerances the server serves
// (GET /api/evidence/flag-rules, kept as meta "evidence_rules"). Warnings in Chinese, human units.
import { parse } from "../vendor/exifr.js";
import { formatTime } from "./dom.js";

const OFFSET = /^[+-]\d{2}:\d{2}$/;
const EXIF_TIME = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/;

/** An EXIF local time ("2026:11:27 14:05:00") with its offset, or the phone's zone, as a Date. */
function exifDate(text, offset) {
  const m = EXIF_TIME.exec(String(text || "").trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const date = offset && OFFSET.test(offset)
    ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${offset}`)
    : new Date(year, month - 1, day, hour, minute, second); // no offset written: the camera's (phone's) zone
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * What the photo's own metadata says: {taken_at (ISO, UTC), lat, lon}; fields null when absent,
 * null altogether when the file has no readable EXIF (a screenshot, a damaged file).
 */
export async function readPhotoExif(blob) {
  let tags;
  try {
    tags = await parse(blob, { ifd0: true, exif: true, gps: true, reviveValues: false });
  } catch {
    return null;
  }
  if (!tags) return null;
  const offset = typeof tags.OffsetTimeOriginal === "string" ? tags.OffsetTimeOriginal.trim() : null;
  const taken = exifDate(tags.DateTimeOriginal, offset) || exifDate(tags.ModifyDate, offset);
  const located = Number.isFinite(tags.latitude) && Number.isFinite(tags.longitude);
  return {
    taken_at: taken ? taken.toISOString() : null,
    lat: located ? tags.latitude : null,
    lon: located ? tags.longitude : null,
  };
}

/** Great-circle distance in metres (haversine, as the server computes it). */
export function distanceMetres(lat1, lon1, lat2, lon2) {
  const rad = (d) => (d * Math.PI) / 180;
  const dp = rad(lat2 - lat1);
  const dl = rad(lon2 - lon1);
  const a = Math.sin(dp / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dl / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(Math.min(1, a)));
}

/** A span of time as a person says it: 25 分钟, 5 小时, 3 天. */
export function humanDuration(minutes) {
  const m = Math.abs(minutes);
  if (m < 60) return `${Math.round(m)} 分钟`;
  if (m < 24 * 60) return `${Math.round(m / 60)} 小时`;
  return `${Math.round(m / (24 * 60))} 天`;
}

/** A distance as a person says it: 850 米, 1.5 公里, 94 公里. */
export function humanDistance(metres) {
  if (metres < 1000) return `${Math.round(metres)} 米`;
  const km = metres / 1000;
  return `${km < 10 ? km.toFixed(1) : Math.round(km)} 公里`;
}

/**
 * Warnings (zh-CN) for a photo whose EXIF is `exif`, added to an inspection that started at
 * `startedAt` at `place` ({lat, lon} or null); `capturedAt`: when the phone took or received it.
 */
export function photoWarnings(exif, { startedAt, place, capturedAt, rules }) {
  if (!exif || !rules) return [];
  const warnings = [];
  if (exif.taken_at) {
    const taken = new Date(exif.taken_at);
    const early = (new Date(startedAt) - taken) / 60000;
    const apart = (taken - new Date(capturedAt)) / 60000;
    if (early > rules.clock_tolerance_minutes) {
      warnings.push(`照片拍摄于 ${formatTime(taken)}，早于本次检查开始 ${humanDuration(early)}。`);
    } else if (Math.abs(apart) > rules.clock_tolerance_minutes) {
      warnings.push(`照片记录的拍摄时间 ${formatTime(taken)} 与手机记录的时间相差 ${humanDuration(apart)}。`);
    }
  }
  if (exif.lat !== null && exif.lon !== null && place) {
    const metres = distanceMetres(exif.lat, exif.lon, place.lat, place.lon);
    if (metres > rules.place_tolerance_m) warnings.push(`照片拍摄地点距检查地点 ${humanDistance(metres)}。`);
  }
  return warnings;
}

/** The inspection a photo belongs to, as the checks need it: its start and place (the draft's GPS,
 * else the phone's fix at capture). */
export function inspectionContext(draft, entry) {
  const p = draft?.place;
  const place = p && p.latitude !== null && p.latitude !== undefined ? { lat: p.latitude, lon: p.longitude }
    : entry.gps ? { lat: entry.gps.lat, lon: entry.gps.lon } : null;
  return { startedAt: draft?.started_at || entry.captured_at, place, capturedAt: entry.captured_at };
}
