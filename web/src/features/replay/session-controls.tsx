import { ReplayControls } from '../../components/replay-controls.js';
import { playerStatus, type PlayerControls, type PlayerState } from './use-replay-session.js';

/** The player bar wired to a replay session: one place for the fleet page and a delivery's. */
export function SessionControls({
  player,
  controls,
  disabled,
}: {
  player: PlayerState;
  controls: PlayerControls;
  disabled: boolean;
}) {
  return (
    <ReplayControls
      from={player.start?.from ?? null}
      to={player.start?.to ?? null}
      at={player.at}
      playing={player.playing}
      speed={player.speed}
      status={playerStatus(player)}
      disabled={disabled}
      onPlay={controls.play}
      onPause={controls.pause}
      onSpeed={controls.setSpeed}
      onSeek={controls.seek}
    />
  );
}
