/** Renders a TrayModel into Electron's tray (main process). All wording and state rules live in tray-model.ts. */
import path from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import type { TrayMenuId, TrayModel } from './tray-model.ts';

export interface TrayActions {
  show(): void;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

export interface TrayView {
  render(model: TrayModel): void;
  destroy(): void;
}

/** A tray whose icons are `<iconDir>/<iconName>.png`. */
export function createTrayView(iconDir: string, actions: TrayActions): TrayView {
  const icon = (name: string) => nativeImage.createFromPath(path.join(iconDir, `${name}.png`));
  const tray = new Tray(icon('tray-offline'));
  tray.on('click', () => actions.show());
  const clickOf = (id: TrayMenuId): MenuItemConstructorOptions['click'] => {
    switch (id) {
      case 'show':
        return () => actions.show();
      // Electron flips the check mark before calling click: the item's state is the wanted one.
      case 'start-at-login':
        return (item) => actions.setStartAtLogin(item.checked);
      case 'quit':
        return () => actions.quit();
      default:
        return undefined;
    }
  };
  return {
    render(model) {
      tray.setToolTip(model.tooltip);
      tray.setImage(icon(model.iconName));
      const template = model.menu.map((item): MenuItemConstructorOptions => {
        const click = clickOf(item.id);
        return {
          id: item.id,
          label: item.label,
          enabled: item.enabled,
          ...(item.checked !== undefined ? { type: 'checkbox' as const, checked: item.checked } : {}),
          ...(click ? { click } : {}),
        };
      });
      tray.setContextMenu(Menu.buildFromTemplate(template));
    },
    destroy: () => tray.destroy(),
  };
}
