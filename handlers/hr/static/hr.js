// HR pages work without script; this only adds conveniences: a transcript line's time seeks its recording,
// and the dashboard's "对比所选" gathers the ticked reports into one parameter.
document.addEventListener("click", (event) => {
  const seek = event.target.closest("[data-seek]");
  if (seek) {
    const media = seek.closest(".answer").querySelector("audio, video");
    if (media) { media.currentTime = Number(seek.dataset.seek); media.play(); }
    return;
  }
  const compare = event.target.closest("[data-compare]");
  if (compare) {
    const form = compare.form;
    const picked = [...form.querySelectorAll("input[name=pick]:checked")].map((box) => box.value);
    form.elements.r.value = picked.join(",");
    form.querySelectorAll("input[name=pick]").forEach((box) => { box.disabled = true; });
  }
});
